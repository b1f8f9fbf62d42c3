// What the peersync_fs sources share: a path argument as bytes, and a struct stat as the int64
// fields Node's bigint fstat reports (readFiles and writeFiles return them in this layout;
// src/fs/read-batch.ts exactStat reads it).
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

}  // namespace peersync_fs

#endif  // PEERSYNC_FS_COMMON_H
