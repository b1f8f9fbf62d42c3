// What the peersync_fs sources share: a path argument as bytes; a struct stat as the int64
// fields Node's bigint fstat reports (readFiles and writeFiles return them in this layout;
// src/fs/read-batch.ts exactStat reads it), and as the check's doubles (statAt, listAt).
#ifndef PEERSYNC_FS_COMMON_H
#define PEERSYNC_FS_COMMON_H

#include <sys/stat.h>

#include <napi.h>

#include <cstdint>
#include <string>

namespace peersync_fs {

constexpr size_t STAT_FIELDS = 10;

// A string (UTF-8) or Buffer (raw bytes: names that are not UTF-8) argument, as the bytes of a path.
inline std::string BytesOf(const Napi::Value& v) {
  if (v.IsBuffer()) {
    Napi::Buffer<char> b = v.As<Napi::Buffer<char>>();
    return std::string(b.Data(), b.Length());
  }
  return v.As<Napi::String>().Utf8Value();
}

// dev, ino, mode, uid, gid, size, mtime s, mtime ns, ctime s, ctime ns.
inline void RecordStat(const struct stat& st, int64_t* f) {
  f[0] = static_cast<int64_t>(st.st_dev);
  f[1] = static_cast<int64_t>(st.st_ino);
  f[2] = static_cast<int64_t>(st.st_mode);
  f[3] = static_cast<int64_t>(st.st_uid);
  f[4] = static_cast<int64_t>(st.st_gid);
  f[5] = static_cast<int64_t>(st.st_size);
  f[6] = static_cast<int64_t>(st.st_mtim.tv_sec);
  f[7] = static_cast<int64_t>(st.st_mtim.tv_nsec);
  f[8] = static_cast<int64_t>(st.st_ctim.tv_sec);
  f[9] = static_cast<int64_t>(st.st_ctim.tv_nsec);
}

// The check's layout of one lstat (src/fs/stat-batch.ts): mode, uid, gid, size, ino, dev,
// mtimeMs, ctimeMs, as doubles the check compares with what Node's lstat reported before.
constexpr size_t CHECK_FIELDS = 8;

// Node's lib/internal/fs/utils.js msFromTimeSpec, for numbers: the same two doubles, the same
// operations in the same order (the target is built with -ffp-contract=off, so the compiler
// fuses nothing and the result is Stats.mtimeMs's double, bit for bit).
inline double MsFromTimeSpec(const struct timespec& ts) {
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

inline void RecordCheckStat(const struct stat& st, double* f) {
  f[0] = static_cast<double>(st.st_mode);
  f[1] = static_cast<double>(st.st_uid);
  f[2] = static_cast<double>(st.st_gid);
  f[3] = static_cast<double>(st.st_size);
  f[4] = static_cast<double>(st.st_ino);
  f[5] = static_cast<double>(st.st_dev);
  f[6] = MsFromTimeSpec(st.st_mtim);
  f[7] = MsFromTimeSpec(st.st_ctim);
}

}  // namespace peersync_fs

#endif  // PEERSYNC_FS_COMMON_H
