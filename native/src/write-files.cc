// peersync_fs: writeFiles(paths, contents, attrs) — the temp files of a put-batch written in one
// job on the libuv thread pool. A receiving daemon made open, write, futimes, fstat and close of
// every small received file on its main thread (profiled in bench/sync (a): ~40 % of that
// thread went to file system calls); here a batch runs on a pool thread while the main thread
// decodes, decides and records. Used by src/fs/temp-writer.ts for fs/atomic-write.ts's small
// in-memory files whose fsync the caller defers (put-batch.ts: one syncfs for the batch).
//
// Per path, the steps of writeSmallTemp() (src/fs/atomic-write.ts), in its order: open with
// O_CREAT | O_EXCL | O_NOFOLLOW and the version's permission bits, write all bytes, futimens
// (when an mtime is given), fstat; fchown (when the owner differs) and fchmod (when it did, or
// the mode differs: umask, set-id bits), in that order, because fchown clears set-id bits;
// close. A file that fails at any step is closed and unlinked; the others go on.
//
// writeFiles(paths: (string|Buffer)[], contents: Buffer[], attrs: Float64Array)
//   -> Promise<[Int32Array result, BigInt64Array stats]>
//   attrs: ATTR_FIELDS per path (mode, uid, gid, mtime seconds, mtime nanoseconds): uid/gid -1 =
//   as created, seconds NaN = leave the mtime; nanoseconds 0..999999999 (the caller truncates
//   them to microseconds, as the main-thread path's futimesSync does).
//   result: RESULT_FIELDS per path (errno, syscall): errno 0 = written; syscall 0 open, 1 write,
//   2 futimes, 3 fstat, 4 fchown, 5 fchmod, 6 close. stats: STAT_FIELDS per path, the file's
//   last fstat (after fchown/fchmod when they ran) in read-files.cc's layout, as int64 like
//   Node's bigint fstat: what the rename compares the target with (src/sync/replace.ts).
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <napi.h>

#include "fs-common.h"

#include <string>
#include <vector>

namespace peersync_fs {

namespace {

constexpr size_t ATTR_FIELDS = 5;
constexpr size_t RESULT_FIELDS = 2;
enum Syscall : int32_t { OPEN = 0, WRITE = 1, FUTIMES = 2, FSTAT = 3, FCHOWN = 4, FCHMOD = 5, CLOSE = 6 };

struct FileJob {
  std::string path;
  std::vector<char> data;
  mode_t mode;
  double uid;
  double gid;
  double mtime_sec;
  double mtime_nsec;
};

class WriteFilesWorker : public Napi::AsyncWorker {
 public:
  WriteFilesWorker(Napi::Env env, std::vector<FileJob> jobs)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), jobs_(std::move(jobs)),
        result_(jobs_.size() * RESULT_FIELDS), stats_(jobs_.size() * STAT_FIELDS) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    for (size_t i = 0; i < jobs_.size(); i++) WriteOne(i);
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
  void WriteOne(size_t i) {
    const FileJob& job = jobs_[i];
    int fd = open(job.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, job.mode & 0777);
    if (fd < 0) return Set(i, errno, OPEN);  // nothing of ours to remove (EEXIST: not ours)
    Syscall failed = OPEN;
    int err = Fill(fd, job, &failed, &stats_[i * STAT_FIELDS]);
    if (close(fd) != 0 && err == 0) {
      err = errno;
      failed = CLOSE;
    }
    if (err != 0) {
      unlink(job.path.c_str());
      return Set(i, err, failed);
    }
    Set(i, 0, OPEN);
  }

  // The steps between open and close; returns 0 or the errno of the step named in *failed.
  static int Fill(int fd, const FileJob& job, Syscall* failed, int64_t* out) {
    size_t done = 0;
    while (done < job.data.size()) {
      ssize_t n = write(fd, job.data.data() + done, job.data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        *failed = WRITE;
        return errno;
      }
      done += static_cast<size_t>(n);
    }
    if (!isnan(job.mtime_sec)) {
      struct timespec ts;
      ts.tv_sec = static_cast<time_t>(job.mtime_sec);
      ts.tv_nsec = static_cast<long>(job.mtime_nsec);
      struct timespec times[2] = {ts, ts};
      if (futimens(fd, times) != 0) {
        *failed = FUTIMES;
        return errno;
      }
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
      *failed = FSTAT;
      return errno;
    }
    bool owned = (job.uid < 0 || static_cast<double>(st.st_uid) == job.uid) &&
                 (job.gid < 0 || static_cast<double>(st.st_gid) == job.gid);
    if (owned && (st.st_mode & 07777) == (job.mode & 07777)) return Record(st, out);
    if (!owned) {
      uid_t uid = job.uid < 0 ? static_cast<uid_t>(-1) : static_cast<uid_t>(job.uid);
      gid_t gid = job.gid < 0 ? static_cast<gid_t>(-1) : static_cast<gid_t>(job.gid);
      if (fchown(fd, uid, gid) != 0) {
        *failed = FCHOWN;
        return errno;
      }
    }
    if (fchmod(fd, job.mode & 07777) != 0) {
      *failed = FCHMOD;
      return errno;
    }
    if (fstat(fd, &st) != 0) {
      *failed = FSTAT;
      return errno;
    }
    return Record(st, out);
  }

  static int Record(const struct stat& st, int64_t* f) {
    RecordStat(st, f);
    return 0;
  }

  void Set(size_t i, int err, Syscall call) {
    result_[i * RESULT_FIELDS] = err;
    result_[i * RESULT_FIELDS + 1] = call;
  }

  Napi::Promise::Deferred deferred_;
  std::vector<FileJob> jobs_;
  std::vector<int32_t> result_;
  std::vector<int64_t> stats_;
};

Napi::Value Refuse(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace

Napi::Value WriteFiles(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsArray() || !info[1].IsArray() || !info[2].IsTypedArray()) {
    return Refuse(env, "writeFiles(paths, contents, attrs) expects two arrays and a Float64Array");
  }
  Napi::Array paths = info[0].As<Napi::Array>();
  Napi::Array contents = info[1].As<Napi::Array>();
  Napi::TypedArray typed = info[2].As<Napi::TypedArray>();
  if (contents.Length() != paths.Length() || typed.TypedArrayType() != napi_float64_array ||
      typed.ElementLength() != paths.Length() * ATTR_FIELDS) {
    return Refuse(env, "writeFiles(): one content per path, and 4 attributes per path in a Float64Array");
  }
  const double* attrs = typed.As<Napi::Float64Array>().Data();
  std::vector<FileJob> jobs;
  jobs.reserve(paths.Length());
  for (uint32_t i = 0; i < paths.Length(); i++) {
    Napi::Value path = paths.Get(i);
    Napi::Value content = contents.Get(i);
    if (!(path.IsString() || path.IsBuffer()) || !content.IsBuffer()) {
      return Refuse(env, "writeFiles(): every path must be a string or Buffer, every content a Buffer");
    }
    const double* a = attrs + i * ATTR_FIELDS;
    if (!(a[0] >= 0 && a[0] <= 07777) || !(a[1] >= -1 && a[1] < 4294967295.0) || !(a[2] >= -1 && a[2] < 4294967295.0) ||
        !(isnan(a[3]) || (a[4] >= 0 && a[4] < 1e9))) {
      return Refuse(env, "writeFiles(): mode must be 0..07777, uid and gid -1..2^32-2, nanoseconds 0..999999999");
    }
    Napi::Buffer<char> bytes = content.As<Napi::Buffer<char>>();
    jobs.push_back(FileJob{BytesOf(path), std::vector<char>(bytes.Data(), bytes.Data() + bytes.Length()),
                           static_cast<mode_t>(a[0]), a[1], a[2], a[3], a[4]});
  }
  auto* worker = new WriteFilesWorker(env, std::move(jobs));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace peersync_fs
