// peersync_fs: lstat of many names in one directory, on the libuv thread pool. A check of a
// tree of small files is mostly lstat calls; from JS each one walks the whole absolute path in
// the kernel and builds a result in JS. Here the directory is opened once (O_NOFOLLOW) and each
// name is fstatat()'ed relative to it, with no JS in between, while the main thread merges the
// previous directory with the index. Used by src/fs/stat-native.ts; without this addon the
// check falls back to lstat in JS.
//
// statAt(dir, names) -> Promise<[Float64Array fields, Int32Array errnos, number dirIno, number dirDev]>
//   fields: FIELDS numbers per name (mode, uid, gid, size, ino, dev, mtimeMs, ctimeMs): the
//   layout of src/fs/stat-batch.ts, so the check takes the array as it is; the times are Node's
//   own msFromTimeSpec (sec * 1e3 + nsec / 1e6, in doubles, in that order: built with
//   -ffp-contract=off, so the compiler fuses nothing and the doubles are Stats.mtimeMs's); errnos: 0, or the errno of
//   that name's fstatat. When the directory cannot be opened the promise rejects with its errno
//   in `code` (ENOTDIR also when it is a symlink now). dir and names are strings (UTF-8) or
//   Buffers (raw bytes).
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <napi.h>

#include "fs-common.h"

#include <string>
#include <vector>

namespace peersync_fs {
Napi::Value SyncFs(const Napi::CallbackInfo& info);     // sync-fs.cc
Napi::Value ReadFiles(const Napi::CallbackInfo& info);  // read-files.cc
Napi::Value WriteFiles(const Napi::CallbackInfo& info);  // write-files.cc
Napi::Value SetTimes(const Napi::CallbackInfo& info);    // set-times.cc
Napi::Value ListAt(const Napi::CallbackInfo& info);     // list-at.cc
}

namespace {

constexpr size_t FIELDS = peersync_fs::CHECK_FIELDS;

using peersync_fs::BytesOf;

class StatAtWorker : public Napi::AsyncWorker {
 public:
  StatAtWorker(Napi::Env env, std::string dir, std::vector<std::string> names)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), dir_(std::move(dir)),
        names_(std::move(names)), fields_(names_.size() * FIELDS), errnos_(names_.size()) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    int dfd = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
      open_errno_ = errno;
      return;
    }
    struct stat st;
    if (fstat(dfd, &st) == 0) {
      dir_ino_ = static_cast<double>(st.st_ino);
      dir_dev_ = static_cast<double>(st.st_dev);
    }
    for (size_t i = 0; i < names_.size(); i++) {
      if (fstatat(dfd, names_[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        errnos_[i] = errno;
        continue;
      }
      peersync_fs::RecordCheckStat(st, &fields_[i * FIELDS]);
    }
    close(dfd);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (open_errno_ != 0) {
      Napi::Error err = Napi::Error::New(env, std::string("open ") + strerror(open_errno_));
      err.Set("errno", Napi::Number::New(env, open_errno_));
      deferred_.Reject(err.Value());
      return;
    }
    Napi::Float64Array fields = Napi::Float64Array::New(env, fields_.size());
    if (!fields_.empty()) memcpy(fields.Data(), fields_.data(), fields_.size() * sizeof(double));
    Napi::Int32Array errnos = Napi::Int32Array::New(env, errnos_.size());
    if (!errnos_.empty()) memcpy(errnos.Data(), errnos_.data(), errnos_.size() * sizeof(int32_t));
    Napi::Array out = Napi::Array::New(env, 4);
    out.Set(0u, fields);
    out.Set(1u, errnos);
    out.Set(2u, Napi::Number::New(env, dir_ino_));
    out.Set(3u, Napi::Number::New(env, dir_dev_));
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string dir_;
  std::vector<std::string> names_;
  std::vector<double> fields_;
  std::vector<int32_t> errnos_;
  int open_errno_ = 0;
  double dir_ino_ = 0;
  double dir_dev_ = 0;
};

Napi::Value StatAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !(info[0].IsString() || info[0].IsBuffer()) || !info[1].IsArray()) {
    Napi::TypeError::New(env, "statAt(dir, names) expects a string or Buffer and an array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<std::string> names;
  names.reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    if (!(v.IsString() || v.IsBuffer())) {
      Napi::TypeError::New(env, "statAt(): every name must be a string or Buffer").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    names.push_back(BytesOf(v));
  }
  auto* worker = new StatAtWorker(env, BytesOf(info[0]), std::move(names));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("statAt", Napi::Function::New(env, StatAt, "statAt"));
  exports.Set("listAt", Napi::Function::New(env, peersync_fs::ListAt, "listAt"));
  exports.Set("syncfs", Napi::Function::New(env, peersync_fs::SyncFs, "syncfs"));
  exports.Set("readFiles", Napi::Function::New(env, peersync_fs::ReadFiles, "readFiles"));
  exports.Set("writeFiles", Napi::Function::New(env, peersync_fs::WriteFiles, "writeFiles"));
  exports.Set("setTimes", Napi::Function::New(env, peersync_fs::SetTimes, "setTimes"));
  exports.Set("FIELDS", Napi::Number::New(env, FIELDS));
  return exports;
}

}  // namespace

NODE_API_MODULE(peersync_fs, Init)
