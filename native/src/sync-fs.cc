// peersync_fs: syncfs(fds) — syncfs(2) once per filesystem among the open descriptors `fds`,
// on the libuv thread pool. A put-batch writes all its temp files first and makes their data
// durable with this one call (one journal commit per filesystem) instead of one fsync per
// file (250–650 µs of kernel CPU each on ext4), and only then renames (src/fs/sync-fs.ts).
//
// Errors: since Linux 5.8, syncfs reports a writeback error raised on the filesystem since
// the descriptor was opened (the superblock's errseq_t, sampled at open). The caller opens
// each descriptor BEFORE it writes the files the call must cover, so an error writing their
// data back, in the background or during this call, fails it. Older kernels report nothing:
// src/fs/sync-fs.ts does not use this call there.
//
// syncfs(fds: number[]) -> Promise<number>  (filesystems synced)
//   rejects with `errno` and `fd` set when fstat or syncfs fails.
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <napi.h>

#include <set>
#include <string>
#include <vector>

namespace peersync_fs {

namespace {

class SyncFsWorker : public Napi::AsyncWorker {
 public:
  SyncFsWorker(Napi::Env env, std::vector<int> fds)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), fds_(std::move(fds)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    std::set<dev_t> done;
    for (int fd : fds_) {
      struct stat st;
      if (fstat(fd, &st) != 0) return Fail(fd, errno);
      if (done.count(st.st_dev) != 0) continue;
      if (syncfs(fd) != 0) return Fail(fd, errno);
      done.insert(st.st_dev);
    }
    synced_ = done.size();
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (errno_ != 0) {
      Napi::Error err = Napi::Error::New(env, std::string("syncfs: ") + strerror(errno_));
      err.Set("errno", Napi::Number::New(env, errno_));
      err.Set("fd", Napi::Number::New(env, failed_));
      deferred_.Reject(err.Value());
      return;
    }
    deferred_.Resolve(Napi::Number::New(env, static_cast<double>(synced_)));
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  void Fail(int fd, int e) {
    errno_ = e;
    failed_ = fd;
  }

  Napi::Promise::Deferred deferred_;
  std::vector<int> fds_;
  int failed_ = -1;
  int errno_ = 0;
  size_t synced_ = 0;
};

}  // namespace

Napi::Value SyncFs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) {
    Napi::TypeError::New(env, "syncfs(fds) expects an array of descriptors").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<int> fds;
  fds.reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    if (!v.IsNumber() || v.As<Napi::Number>().Int32Value() < 0) {
      Napi::TypeError::New(env, "syncfs(): every descriptor must be a non-negative number").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    fds.push_back(v.As<Napi::Number>().Int32Value());
  }
  auto* worker = new SyncFsWorker(env, std::move(fds));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace peersync_fs
