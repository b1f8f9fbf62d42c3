// The errno names Node's own fs errors carry as `code`, for the errors the addons throw: JS
// code tests `err.code === "ENOENT"` whichever layer failed.
#ifndef PEERSYNC_ERRNO_NAME_H
#define PEERSYNC_ERRNO_NAME_H

#include <errno.h>

namespace peersync {

inline const char* ErrnoName(int e) {
  switch (e) {
    case EINVAL: return "EINVAL";
    case ENOSYS: return "ENOSYS";
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EXDEV: return "EXDEV";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EBUSY: return "EBUSY";
    case EROFS: return "EROFS";
    case ENOSPC: return "ENOSPC";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EBADF: return "EBADF";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    default: return "EIO";
  }
}

}  // namespace peersync

#endif
