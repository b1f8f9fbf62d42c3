// renameat2(from, to, flags) — rename(2) with the flags Node does not offer: RENAME_EXCHANGE
// (swap two names atomically) and RENAME_NOREPLACE (never replace what is at `to`). The
// receiver's last-look-and-replace step (src/sync/replace.ts) swaps a new version in with
// RENAME_EXCHANGE, so the file it displaces is exactly what was at the target at the instant
// of the swap and can be looked at, and put back, before anything unlinks it.
//
// Synchronous on purpose: the caller's check and swap must be one step with no await between.
// Paths are strings (UTF-8) or Buffers (raw bytes, names that are not UTF-8).
//
// renameat2(from, to, flags) -> undefined; throws an Error with `errno` (number) and `code`
// ("EINVAL", "ENOSYS", "EEXIST", ...) when the call fails. FLAGS = { EXCHANGE, NOREPLACE }.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <napi.h>

#include "errno-name.h"

#include <string>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

namespace peersync {

namespace {

bool PathArg(const Napi::Value& v, std::string* out) {
  if (v.IsString()) {
    *out = v.As<Napi::String>().Utf8Value();
  } else if (v.IsBuffer()) {
    Napi::Buffer<char> b = v.As<Napi::Buffer<char>>();
    out->assign(b.Data(), b.Length());
  } else {
    return false;
  }
  return out->find('\0') == std::string::npos && !out->empty();
}


}  // namespace

Napi::Value RenameAt2(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string from;
  std::string to;
  if (info.Length() < 3 || !PathArg(info[0], &from) || !PathArg(info[1], &to) || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "renameat2(from, to, flags) expects two non-empty paths without NUL (string or Buffer) and a number")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  unsigned int flags = info[2].As<Napi::Number>().Uint32Value();
  // The raw system call: glibc's wrapper appeared only in 2.28, and the kernel is what decides.
  if (syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags) != 0) {
    int e = errno;
    Napi::Error err = Napi::Error::New(env, std::string("renameat2: ") + strerror(e));
    err.Set("errno", Napi::Number::New(env, e));
    err.Set("code", Napi::String::New(env, ErrnoName(e)));
    err.Set("syscall", Napi::String::New(env, "renameat2"));
    err.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return env.Undefined();
}

Napi::Object RenameFlags(Napi::Env env) {
  Napi::Object flags = Napi::Object::New(env);
  flags.Set("EXCHANGE", Napi::Number::New(env, RENAME_EXCHANGE));
  flags.Set("NOREPLACE", Napi::Number::New(env, RENAME_NOREPLACE));
  return flags;
}

}  // namespace peersync
