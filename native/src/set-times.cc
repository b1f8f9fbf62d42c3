// peersync_fs: setTimes(target, sec, nsec, noFollow) — a received version's mtime (and atime) to
// the nanosecond, synchronously (one inode update, a few µs). Node's futimes/lutimes take a
// double of seconds, which libuv cuts to the microsecond, where the version's writer holds the
// nanosecond (src/fs/set-times.ts).
//
// target: a file descriptor (futimens) or a path, string or Buffer (utimensat; with noFollow
// the link itself, AT_SYMLINK_NOFOLLOW). Throws an Error with `code` (the errno name's text
// from strerror is the message) and `errno` when the call fails.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <napi.h>

#include <cmath>
#include <string>

#include "errno-name.h"
#include "fs-common.h"

namespace peersync_fs {


Napi::Value SetTimes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !(info[0].IsNumber() || info[0].IsString() || info[0].IsBuffer()) || !info[1].IsNumber() ||
      !info[2].IsNumber() || !info[3].IsBoolean()) {
    Napi::TypeError::New(env, "setTimes(fdOrPath, sec, nsec, noFollow) expects (number | string | Buffer, number, number, boolean)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double sec = info[1].As<Napi::Number>().DoubleValue();
  int64_t nsec = info[2].As<Napi::Number>().Int64Value();
  if (!std::isfinite(sec) || sec != std::floor(sec) || nsec < 0 || nsec > 999999999) {
    Napi::RangeError::New(env, "setTimes(): sec must be an integer and nsec within 0..999999999").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct timespec times[2];
  times[0].tv_sec = static_cast<time_t>(sec);
  times[0].tv_nsec = static_cast<long>(nsec);
  times[1] = times[0];
  int rc;
  if (info[0].IsNumber()) {
    rc = futimens(info[0].As<Napi::Number>().Int32Value(), times);
  } else {
    std::string path = BytesOf(info[0]);
    rc = utimensat(AT_FDCWD, path.c_str(), times, info[3].As<Napi::Boolean>().Value() ? AT_SYMLINK_NOFOLLOW : 0);
  }
  if (rc != 0) {
    int err = errno;
    Napi::Error e = Napi::Error::New(env, std::string(peersync::ErrnoName(err)) + ": " + strerror(err) + ", setTimes");
    e.Set("code", Napi::String::New(env, peersync::ErrnoName(err)));
    e.Set("errno", Napi::Number::New(env, -err));
    e.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return env.Undefined();
}

}  // namespace peersync_fs
