// peersync_fs: readFiles(paths, inos, limit) — the close look at many small files in one job on
// the libuv thread pool. A first check of a tree of small files is mostly open, fstat, read,
// fstat and close of each new file; from JS that is five calls per file on the main thread
// (profiled: two thirds of a 100k-file first check). Here a batch runs on a pool thread while
// the main thread hashes and records the previous batch (src/fs/read-batch.ts). The hash itself
// stays in JS (node:crypto), so it is byte for byte the one src/fs/hash.ts computes.
//
// Per path, the steps and checks of hashFile() (src/fs/hash.ts), in its order: open with
// O_NOFOLLOW | O_NONBLOCK (a symlink is refused, a fifo never blocks), fstat: not a regular file
// or not the inode the walk's lstat saw -> NOT_FILE / OTHER_INODE, read to end of file, fstat
// again: size, mtime or ctime moved -> WRITTEN (the bytes may be of a state that never existed),
// close. A file bigger than `limit` (at the first fstat, or while it is read) is left to the
// caller's streaming path (TOO_BIG); nothing of it is returned.
//
// readFiles(paths: (string|Buffer)[], inos: Float64Array, limit: number)
//   -> Promise<[BigInt64Array stats, Int32Array status, Buffer content]>
//   stats: STAT_FIELDS per path (dev, ino, mode, uid, gid, size, mtime s, mtime ns, ctime s,
//   ctime ns) of the first fstat, as int64 like Node's own bigint fstat;
//   status: STATUS_FIELDS per path (outcome, errno, syscall, content length), syscall
//   0 open, 1 fstat, 2 read, 3 close; content: the READ files' bytes one after another, in order.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <napi.h>

#include "fs-common.h"

#include <memory>
#include <string>
#include <vector>

namespace peersync_fs {

namespace {

constexpr size_t STATUS_FIELDS = 4;
enum Outcome : int32_t { READ = 0, FAILED = 1, NOT_FILE = 2, OTHER_INODE = 3, WRITTEN = 4, TOO_BIG = 5 };
enum Syscall : int32_t { OPEN = 0, FSTAT = 1, READ_CALL = 2, CLOSE = 3 };

bool SameContent(const struct stat& a, const struct stat& b) {
  return a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

class ReadFilesWorker : public Napi::AsyncWorker {
 public:
  ReadFilesWorker(Napi::Env env, std::vector<std::string> paths, std::vector<double> inos, size_t limit)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), paths_(std::move(paths)),
        inos_(std::move(inos)), limit_(limit), stats_(paths_.size() * STAT_FIELDS),
        status_(paths_.size() * STATUS_FIELDS) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    // limit + 1 bytes: a read that fills it proves the file is over the limit.
    std::unique_ptr<char[]> scratch(new char[limit_ + 1]);
    for (size_t i = 0; i < paths_.size(); i++) ReadOne(i, scratch.get());
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::BigInt64Array stats = Napi::BigInt64Array::New(env, stats_.size());
    if (!stats_.empty()) memcpy(stats.Data(), stats_.data(), stats_.size() * sizeof(int64_t));
    Napi::Int32Array status = Napi::Int32Array::New(env, status_.size());
    if (!status_.empty()) memcpy(status.Data(), status_.data(), status_.size() * sizeof(int32_t));
    Napi::Array out = Napi::Array::New(env, 3);
    out.Set(0u, stats);
    out.Set(1u, status);
    out.Set(2u, Napi::Buffer<char>::Copy(env, content_.data(), content_.size()));
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  void Set(size_t i, Outcome outcome, int err = 0, Syscall call = OPEN, size_t length = 0) {
    int32_t* s = &status_[i * STATUS_FIELDS];
    s[0] = outcome;
    s[1] = err;
    s[2] = call;
    s[3] = static_cast<int32_t>(length);
  }

  void ReadOne(size_t i, char* scratch) {
    int fd = open(paths_[i].c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return Set(i, FAILED, errno, OPEN);
    Outcome outcome = ReadOpen(i, fd, scratch);
    // A failed close is reported like Node's closeSync would, over whatever came before it.
    if (close(fd) != 0 && outcome != FAILED) {
      content_.resize(content_.size() - static_cast<size_t>(status_[i * STATUS_FIELDS + 3]));
      Set(i, FAILED, errno, CLOSE);
    }
  }

  Outcome ReadOpen(size_t i, int fd, char* scratch) {
    struct stat before;
    if (fstat(fd, &before) != 0) return Fail(i, errno, FSTAT);
    Record(i, before);
    if (!S_ISREG(before.st_mode)) return Mark(i, NOT_FILE);
    // Compared as doubles: the walk's lstat reports inode numbers as JS numbers.
    if (static_cast<double>(before.st_ino) != inos_[i]) return Mark(i, OTHER_INODE);
    if (before.st_size < 0 || static_cast<uint64_t>(before.st_size) > limit_) return Mark(i, TOO_BIG);
    size_t length = 0;
    for (;;) {
      ssize_t n = read(fd, scratch + length, limit_ + 1 - length);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Fail(i, errno, READ_CALL);
      }
      if (n == 0) break;
      length += static_cast<size_t>(n);
      if (length > limit_) return Mark(i, TOO_BIG);  // grew past the limit while read
    }
    struct stat after;
    if (fstat(fd, &after) != 0) return Fail(i, errno, FSTAT);
    if (!SameContent(before, after)) return Mark(i, WRITTEN);
    content_.insert(content_.end(), scratch, scratch + length);
    Set(i, READ, 0, OPEN, length);
    return READ;
  }

  Outcome Fail(size_t i, int err, Syscall call) {
    Set(i, FAILED, err, call);
    return FAILED;
  }

  Outcome Mark(size_t i, Outcome outcome) {
    Set(i, outcome);
    return outcome;
  }

  void Record(size_t i, const struct stat& st) { RecordStat(st, &stats_[i * STAT_FIELDS]); }

  Napi::Promise::Deferred deferred_;
  std::vector<std::string> paths_;
  std::vector<double> inos_;
  size_t limit_;
  std::vector<int64_t> stats_;
  std::vector<int32_t> status_;
  std::vector<char> content_;
};

}  // namespace

Napi::Value ReadFiles(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsArray() || !info[1].IsTypedArray() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "readFiles(paths, inos, limit) expects an array, a Float64Array and a number")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array list = info[0].As<Napi::Array>();
  Napi::TypedArray typed = info[1].As<Napi::TypedArray>();
  double limit = info[2].As<Napi::Number>().DoubleValue();
  if (typed.TypedArrayType() != napi_float64_array || typed.ElementLength() != list.Length() || !(limit >= 0) ||
      limit > (1 << 30)) {
    Napi::TypeError::New(env, "readFiles(): one inode per path in a Float64Array, and 0 <= limit <= 1 GiB")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Float64Array inoArray = typed.As<Napi::Float64Array>();
  std::vector<std::string> paths;
  std::vector<double> inos(inoArray.Data(), inoArray.Data() + inoArray.ElementLength());
  paths.reserve(list.Length());
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    if (!(v.IsString() || v.IsBuffer())) {
      Napi::TypeError::New(env, "readFiles(): every path must be a string or Buffer").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    paths.push_back(BytesOf(v));
  }
  auto* worker = new ReadFilesWorker(env, std::move(paths), std::move(inos), static_cast<size_t>(limit));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace peersync_fs
