// Module entry: the Job class, its four factories, rs_strerror and rs_sig_args; and renameat2
// (rename-at2.cc). rs_sig_args is the companion of rs_sig_begin that turns "0 = recommended"
// into real parameters; binding it (rather than re-deriving its rules in TS) keeps our
// signatures byte-identical to rdiff's.
#include <librsync.h>
#include <napi.h>

#include "rsync-job.h"

namespace peersync {
// rename-at2.cc: renameat2(2) for src/fs/rename-at2.ts (here rather than in peersync_fs, whose
// entry point belongs to the batch lstat).
Napi::Value RenameAt2(const Napi::CallbackInfo& info);
Napi::Object RenameFlags(Napi::Env env);
}  // namespace peersync

namespace {

Napi::Value StrError(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) return Napi::String::New(info.Env(), "unknown");
  return Napi::String::New(info.Env(), rs_strerror(static_cast<rs_result>(info[0].As<Napi::Number>().Int32Value())));
}

// sigArgs(basisSize, magic, blockLen, strongLen) -> [rs_result, magic, blockLen, strongLen, detail]
// basisSize -1 means unknown; magic 0 picks the default; blockLen 0 and strongLen 0 / -1 are
// rdiff's "recommended", "max" and "min".
Napi::Value SigArgs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  for (size_t i = 0; i < 4; i++) {
    if (i >= info.Length() || !info[i].IsNumber()) {
      Napi::TypeError::New(env, "sigArgs(basisSize, magic, blockLen, strongLen) expects numbers")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  rs_long_t size = info[0].As<Napi::Number>().Int64Value();
  rs_magic_number magic = static_cast<rs_magic_number>(info[1].As<Napi::Number>().Uint32Value());
  size_t block_len = static_cast<size_t>(info[2].As<Napi::Number>().Int64Value());
  size_t strong_len = static_cast<size_t>(info[3].As<Napi::Number>().Int64Value());
  peersync::TakeLastTrace();  // drop anything stale, so a failure reports its own message
  rs_result r = rs_sig_args(size, &magic, &block_len, &strong_len);
  Napi::Array out = Napi::Array::New(env, 5);
  out.Set(0u, Napi::Number::New(env, r));
  out.Set(1u, Napi::Number::New(env, static_cast<uint32_t>(magic)));
  out.Set(2u, Napi::Number::New(env, static_cast<double>(block_len)));
  out.Set(3u, Napi::Number::New(env, static_cast<double>(strong_len)));
  out.Set(4u, Napi::String::New(env, r == RS_DONE ? "" : peersync::TakeLastTrace()));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  peersync::InstallTraceHook();
  Napi::Function job = peersync::Job::Define(env);
  env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(job)));
  exports.Set("Job", job);
  exports.Set("sigBegin", Napi::Function::New(env, peersync::Job::SigBegin, "sigBegin"));
  exports.Set("loadSigBegin", Napi::Function::New(env, peersync::Job::LoadSigBegin, "loadSigBegin"));
  exports.Set("deltaBegin", Napi::Function::New(env, peersync::Job::DeltaBegin, "deltaBegin"));
  exports.Set("patchBegin", Napi::Function::New(env, peersync::Job::PatchBegin, "patchBegin"));
  exports.Set("strerror", Napi::Function::New(env, StrError, "strerror"));
  exports.Set("sigArgs", Napi::Function::New(env, SigArgs, "sigArgs"));
  exports.Set("renameat2", Napi::Function::New(env, peersync::RenameAt2, "renameat2"));
  exports.Set("RENAME_FLAGS", peersync::RenameFlags(env));
  exports.Set("librsyncVersion", Napi::String::New(env, rs_librsync_version));
  return exports;
}

}  // namespace

NODE_API_MODULE(peersync_rsync, Init)
