{
  "targets": [
    {
      "target_name": "peersync_rsync",
      "sources": ["src/addon.cc", "src/rsync-job.cc", "src/rename-at2.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra"],
      "libraries": ["-lrsync"]
    },
    {
      "target_name": "peersync_fs",
      "sources": ["src/stat-at.cc", "src/sync-fs.cc", "src/read-files.cc", "src/write-files.cc", "src/list-at.cc", "src/set-times.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-ffp-contract=off"]
    }
  ]
}
