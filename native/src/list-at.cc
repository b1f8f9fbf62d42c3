// peersync_fs listAt: one directory of a check's walk, read and lstat'ed whole on the libuv
// thread pool, plus a digest of what was seen. A check of an unchanged tree was mostly JS work
// per entry (names, verdicts, index rows); the digest lets it compare one number per directory
// with the one it stored after the last full look (src/index/dir-digests.ts), and do the work
// per entry only where the number moved. The names, fields and errnos are there for that case,
// so the directory is read once either way.
//
// listAt(dir, seed) -> Promise<[names Buffer, ends Uint32Array, fields Float64Array,
//                               errnos Int32Array, dirIno, dirDev, digest, failed, hashes Float64Array]>
//   names: every child name but . and .., raw bytes, back to back; ends[i]: where name i ends.
//   fields / errnos: stat-at.cc's layout (FIELDS per name, Node's own doubles) and errno of
//   each fstatat (0 when it succeeded).
//   digest: 53 bits over the seed and every (name, errno, fields) tuple. Summed per name, so
//   it does not depend on readdir's order; any changed byte, field or errno, any name added or
//   removed moves it (barring a 2^-53 collision, as with entries.fp).
//   failed: how many fstatat calls failed (ENOENT included).
//   hashes: two per name, 53 bits each, both seeded: one of the name alone, one of the whole
//   (name, errno, fields) tuple. Stored after a full look, they let a directory whose digest
//   moved be looked at only where it moved (src/core/standing-entries.ts): a name whose tuple hash was
//   there before stands as recorded.
//   The directory is opened with O_NOFOLLOW: a symlink there rejects (ELOOP or ENOTDIR), as a
//   directory that cannot be opened rejects, with its errno in `errno`.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <napi.h>

#include "fs-common.h"

#include <cstdint>
#include <string>
#include <vector>

namespace peersync_fs {

namespace {

constexpr size_t FIELDS = CHECK_FIELDS;

// splitmix64's finaliser: every input bit reaches every output bit.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t BitsOf(double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  return bits;
}

uint64_t NameHash(const char* name, size_t len) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a over the name's bytes
  for (size_t i = 0; i < len; i++) h = (h ^ static_cast<unsigned char>(name[i])) * 0x100000001b3ULL;
  return h;
}

uint64_t EntryHash(uint64_t nameHash, size_t len, int err, const double* f) {
  uint64_t h = Mix(nameHash ^ (static_cast<uint64_t>(len) << 32) ^ static_cast<uint32_t>(err));
  for (size_t i = 0; i < FIELDS; i++) h = Mix(h + BitsOf(f[i]) + i);
  return h;
}

class ListAtWorker : public Napi::AsyncWorker {
 public:
  ListAtWorker(Napi::Env env, std::string dir, uint64_t seed)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), dir_(std::move(dir)), seed_(seed) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    int dfd = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
      open_errno_ = errno;
      return;
    }
    struct stat st;
    if (fstat(dfd, &st) != 0) {
      open_errno_ = errno;
      close(dfd);
      return;
    }
    dir_ino_ = static_cast<double>(st.st_ino);
    dir_dev_ = static_cast<double>(st.st_dev);
    // fdopendir owns dfd from here; closedir closes it.
    DIR* d = fdopendir(dfd);
    if (d == nullptr) {
      open_errno_ = errno;
      close(dfd);
      return;
    }
    for (;;) {
      errno = 0;
      struct dirent* e = readdir(d);
      if (e == nullptr) {
        if (errno != 0) open_errno_ = errno;
        break;
      }
      const char* n = e->d_name;
      if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'))) continue;
      names_.append(n);
      ends_.push_back(static_cast<uint32_t>(names_.size()));
    }
    const size_t count = ends_.size();
    fields_.assign(count * FIELDS, 0);
    errnos_.assign(count, 0);
    const uint64_t seeded = Mix(seed_);
    uint64_t sum = seeded;
    hashes_.assign(count * 2, 0);
    size_t start = 0;
    std::string name;
    for (size_t i = 0; i < count; i++) {
      name.assign(names_, start, ends_[i] - start);
      double* f = &fields_[i * FIELDS];
      if (fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        errnos_[i] = errno;
        failed_++;
      } else {
        RecordCheckStat(st, f);
      }
      const uint64_t nameHash = NameHash(name.data(), name.size());
      const uint64_t entry = EntryHash(nameHash, name.size(), errnos_[i], f);
      sum += entry;
      hashes_[i * 2] = static_cast<double>(Mix(nameHash + seeded) >> 11);
      hashes_[i * 2 + 1] = static_cast<double>(Mix(entry + seeded) >> 11);
      start = ends_[i];
    }
    closedir(d);
    digest_ = static_cast<double>(Mix(sum + count) >> 11);  // 53 bits: exact as a JS number
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (open_errno_ != 0) {
      Napi::Error err = Napi::Error::New(env, std::string("opendir ") + strerror(open_errno_));
      err.Set("errno", Napi::Number::New(env, open_errno_));
      deferred_.Reject(err.Value());
      return;
    }
    Napi::Buffer<char> names = Napi::Buffer<char>::Copy(env, names_.data(), names_.size());
    Napi::Uint32Array ends = Napi::Uint32Array::New(env, ends_.size());
    if (!ends_.empty()) memcpy(ends.Data(), ends_.data(), ends_.size() * sizeof(uint32_t));
    Napi::Float64Array fields = Napi::Float64Array::New(env, fields_.size());
    if (!fields_.empty()) memcpy(fields.Data(), fields_.data(), fields_.size() * sizeof(double));
    Napi::Int32Array errnos = Napi::Int32Array::New(env, errnos_.size());
    if (!errnos_.empty()) memcpy(errnos.Data(), errnos_.data(), errnos_.size() * sizeof(int32_t));
    Napi::Float64Array hashes = Napi::Float64Array::New(env, hashes_.size());
    if (!hashes_.empty()) memcpy(hashes.Data(), hashes_.data(), hashes_.size() * sizeof(double));
    Napi::Array out = Napi::Array::New(env, 9);
    out.Set(0u, names);
    out.Set(1u, ends);
    out.Set(2u, fields);
    out.Set(3u, errnos);
    out.Set(4u, Napi::Number::New(env, dir_ino_));
    out.Set(5u, Napi::Number::New(env, dir_dev_));
    out.Set(6u, Napi::Number::New(env, digest_));
    out.Set(7u, Napi::Number::New(env, static_cast<double>(failed_)));
    out.Set(8u, hashes);
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string dir_;
  uint64_t seed_;
  std::string names_;
  std::vector<uint32_t> ends_;
  std::vector<double> fields_;
  std::vector<int32_t> errnos_;
  std::vector<double> hashes_;
  int open_errno_ = 0;
  double dir_ino_ = 0;
  double dir_dev_ = 0;
  double digest_ = 0;
  size_t failed_ = 0;
};

}  // namespace

Napi::Value ListAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !(info[0].IsString() || info[0].IsBuffer()) || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "listAt(dir, seed) expects a string or Buffer and a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const double seed = info[1].As<Napi::Number>().DoubleValue();
  auto* worker = new ListAtWorker(env, BytesOf(info[0]), BitsOf(seed));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace peersync_fs
