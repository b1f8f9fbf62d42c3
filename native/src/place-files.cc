// peersync_fs: placeFiles(froms, tos) — the renames of a put-batch's new files in one job on the
// libuv thread pool. A receiving daemon put each new file in place with a synchronous
// renameat2(RENAME_NOREPLACE) and then lstat'ed it for the index, both on its main thread
// (profiled in bench/sync (a): ~13 % of that thread, and the main thread is what an initial
// sync waits for); here they run on a pool thread while the main thread decodes and records.
// Used by src/fs/place-batch.ts for src/sync/replace.ts's placing of a file where the decision
// was made on nothing.
//
// RENAME_NOREPLACE is the last look and the placing in one call, whichever thread makes it: it
// never replaces what stands at the target (EEXIST), so nothing of the race-safety of replace.ts
// depends on the main thread making it.
//
// placeFiles(froms: (string|Buffer)[], tos: (string|Buffer)[])
//   -> Promise<[Int32Array result, BigInt64Array stats]>
//   result: RESULT_FIELDS per pair (rename errno, lstat errno): rename errno 0 = placed (then
//   lstat errno 0 = stats holds the target's lstat just after, ENOENT = already gone again);
//   stats: STAT_FIELDS per pair in fs-common.h's layout (Node's bigint lstat).
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <napi.h>

#include "fs-common.h"

#include <string>
#include <vector>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

namespace peersync_fs {

namespace {

constexpr size_t RESULT_FIELDS = 2;

class PlaceFilesWorker : public Napi::AsyncWorker {
 public:
  PlaceFilesWorker(Napi::Env env, std::vector<std::string> froms, std::vector<std::string> tos)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), froms_(std::move(froms)),
        tos_(std::move(tos)), result_(froms_.size() * RESULT_FIELDS), stats_(froms_.size() * STAT_FIELDS) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    for (size_t i = 0; i < froms_.size(); i++) PlaceOne(i);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Int32Array result = Napi::Int32Array::New(env, result_.size());
    if (!result_.empty()) memcpy(result.Data(), result_.data(), result_.size() * sizeof(int32_t));
    Napi::BigInt64Array stats = Napi::BigInt64Array::New(env, stats_.size());
    if (!stats_.empty()) memcpy(stats.Data(), stats_.data(), stats_.size() * sizeof(int64_t));
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(0u, result);
    out.Set(1u, stats);
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  void PlaceOne(size_t i) {
    int32_t* r = &result_[i * RESULT_FIELDS];
    if (syscall(SYS_renameat2, AT_FDCWD, froms_[i].c_str(), AT_FDCWD, tos_[i].c_str(), RENAME_NOREPLACE) != 0) {
      r[0] = errno;
      return;
    }
    struct stat st;
    if (lstat(tos_[i].c_str(), &st) != 0) {
      r[1] = errno;
      return;
    }
    RecordStat(st, &stats_[i * STAT_FIELDS]);
  }

  Napi::Promise::Deferred deferred_;
  std::vector<std::string> froms_;
  std::vector<std::string> tos_;
  std::vector<int32_t> result_;
  std::vector<int64_t> stats_;
};

Napi::Value Refuse(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

// A path argument as bytes; false for anything else, an empty path or one with a NUL in it.
bool PathArg(const Napi::Value& v, std::string* out) {
  if (!(v.IsString() || v.IsBuffer())) return false;
  *out = BytesOf(v);
  return !out->empty() && out->find('\0') == std::string::npos;
}

}  // namespace

Napi::Value PlaceFiles(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsArray()) {
    return Refuse(env, "placeFiles(froms, tos) expects two arrays");
  }
  Napi::Array from_list = info[0].As<Napi::Array>();
  Napi::Array to_list = info[1].As<Napi::Array>();
  if (from_list.Length() != to_list.Length()) return Refuse(env, "placeFiles(): one target per source");
  std::vector<std::string> froms(from_list.Length());
  std::vector<std::string> tos(to_list.Length());
  for (uint32_t i = 0; i < from_list.Length(); i++) {
    if (!PathArg(from_list.Get(i), &froms[i]) || !PathArg(to_list.Get(i), &tos[i])) {
      return Refuse(env, "placeFiles(): every path must be a non-empty string or Buffer without NUL");
    }
  }
  auto* worker = new PlaceFilesWorker(env, std::move(froms), std::move(tos));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace peersync_fs
