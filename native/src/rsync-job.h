// One librsync job (rs_job_t) as a JS object. The only operation is iter(): one rs_job_iter()
// call on the libuv thread pool, so a job over a 10 GB file never blocks the event loop. Streams,
// defaults and error classes live in TypeScript (src/delta/rsync.ts).
#pragma once

#include <librsync.h>
#include <napi.h>

#include <string>

namespace peersync {

// The last librsync error message logged on the calling thread. librsync reports detail only
// through its trace callback, and each iteration runs on some pool thread, so it is kept per
// thread and read back by the worker that ran the iteration.
std::string TakeLastTrace();
void InstallTraceHook();

class Job : public Napi::ObjectWrap<Job> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Job(const Napi::CallbackInfo& info);
  ~Job() override;

  // Factories behind sigBegin(), loadSigBegin(), deltaBegin() and patchBegin().
  static Napi::Value SigBegin(const Napi::CallbackInfo& info);
  static Napi::Value LoadSigBegin(const Napi::CallbackInfo& info);
  static Napi::Value DeltaBegin(const Napi::CallbackInfo& info);
  static Napi::Value PatchBegin(const Napi::CallbackInfo& info);

 private:
  friend class JobWorker;

  Napi::Value Iter(const Napi::CallbackInfo& info);
  Napi::Value BuildHashTable(const Napi::CallbackInfo& info);
  Napi::Value Free(const Napi::CallbackInfo& info);
  void Release();
  static Job* NewJob(Napi::Env env, Napi::Object* out);
  static rs_result CopyFromBasis(void* opaque, rs_long_t pos, size_t* len, void** buf);

  rs_job_t* job_ = nullptr;
  // Owned: filled by a loadsig job, then moved into the delta job that uses it.
  rs_signature_t* sig_ = nullptr;
  bool hashed_ = false;
  // Borrowed: the basis of a patch job; JS keeps the file open until the job is freed.
  int basis_fd_ = -1;
  // True while a worker thread is inside librsync with this job; JS must wait for it.
  bool busy_ = false;
};

}  // namespace peersync
