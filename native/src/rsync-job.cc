#include "rsync-job.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

namespace peersync {

namespace {

thread_local std::string last_trace;

// The first error of a failing call says what went wrong; librsync follows it with a generic
// "job failed" line, which is dropped.
void RecordTrace(rs_loglevel /*level*/, const char* msg) {
  if (last_trace.empty()) last_trace = msg;
}

Napi::Value Fail(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace

std::string TakeLastTrace() {
  std::string msg;
  msg.swap(last_trace);
  return msg;
}

// librsync prints to stderr by default; a daemon's stderr is its log, so errors are captured
// and handed to JS with the failing result instead.
void InstallTraceHook() {
  rs_trace_set_level(RS_LOG_ERR);
  rs_trace_to(RecordTrace);
}

// Runs one librsync call for a job on the libuv pool and settles a promise with
// [result, consumed, produced, detail]. The job object and both buffers are referenced until
// it settles, so neither GC nor JS can free them underneath the worker thread.
class JobWorker : public Napi::AsyncWorker {
 public:
  JobWorker(Napi::Env env, Job* job, Napi::Object self)
      : Napi::AsyncWorker(env, "peersync.rsync"),
        deferred_(Napi::Promise::Deferred::New(env)),
        job_(job),
        self_(Napi::Persistent(self)) {
    job_->busy_ = true;
  }

  void SetBuffers(Napi::Uint8Array in, bool eof, Napi::Uint8Array out) {
    in_ref_ = Napi::Persistent(in);
    out_ref_ = Napi::Persistent(out);
    bufs_.next_in = reinterpret_cast<char*>(in.Data());
    bufs_.avail_in = in.ByteLength();
    bufs_.eof_in = eof ? 1 : 0;
    bufs_.next_out = reinterpret_cast<char*>(out.Data());
    bufs_.avail_out = out.ByteLength();
    iterate_ = true;
  }

  Napi::Promise Start() {
    Queue();
    return deferred_.Promise();
  }

 protected:
  void Execute() override {
    last_trace.clear();
    if (!iterate_) {
      result_ = rs_build_hash_table(job_->sig_);
    } else {
      size_t in = bufs_.avail_in, out = bufs_.avail_out;
      result_ = rs_job_iter(job_->job_, &bufs_);
      consumed_ = in - bufs_.avail_in;
      produced_ = out - bufs_.avail_out;
    }
    if (result_ != RS_DONE && result_ != RS_BLOCKED) detail_ = TakeLastTrace();
  }

  void OnOK() override {
    Napi::Env env = Env();
    job_->busy_ = false;
    if (!iterate_ && result_ == RS_DONE) job_->hashed_ = true;
    Napi::Array settled = Napi::Array::New(env, 4);
    settled.Set(0u, Napi::Number::New(env, result_));
    settled.Set(1u, Napi::Number::New(env, static_cast<double>(consumed_)));
    settled.Set(2u, Napi::Number::New(env, static_cast<double>(produced_)));
    settled.Set(3u, Napi::String::New(env, detail_));
    deferred_.Resolve(settled);
  }

  // Not reached today (Execute never calls SetError), but a rejected promise beats a hang.
  void OnError(const Napi::Error& error) override {
    job_->busy_ = false;
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Job* job_;
  Napi::ObjectReference self_;
  Napi::Reference<Napi::Uint8Array> in_ref_, out_ref_;
  rs_buffers_t bufs_{};
  bool iterate_ = false;
  rs_result result_ = RS_INTERNAL_ERROR;
  size_t consumed_ = 0, produced_ = 0;
  std::string detail_;
};

Napi::Function Job::Define(Napi::Env env) {
  return DefineClass(env, "Job",
                     {InstanceMethod<&Job::Iter>("iter"),
                      InstanceMethod<&Job::BuildHashTable>("buildHashTable"),
                      InstanceMethod<&Job::Free>("free")});
}

Job::Job(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Job>(info) {}

Job::~Job() { Release(); }

void Job::Release() {
  if (job_ != nullptr) rs_job_free(job_);
  if (sig_ != nullptr) rs_free_sumset(sig_);
  job_ = nullptr;
  sig_ = nullptr;
}

Job* Job::NewJob(Napi::Env env, Napi::Object* out) {
  *out = env.GetInstanceData<Napi::FunctionReference>()->New({});
  return Unwrap(*out);
}

// iter(input: Uint8Array, eof: boolean, output: Uint8Array): Promise<[rs_result, consumed,
// produced, detail]>
Napi::Value Job::Iter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsTypedArray() || !info[1].IsBoolean() || !info[2].IsTypedArray())
    return Fail(env, "iter(input, eof, output) expects (Uint8Array, boolean, Uint8Array)");
  auto in = info[0].As<Napi::TypedArray>(), out = info[2].As<Napi::TypedArray>();
  if (in.TypedArrayType() != napi_uint8_array || out.TypedArrayType() != napi_uint8_array)
    return Fail(env, "iter() buffers must be Uint8Arrays");
  if (job_ == nullptr) return Fail(env, "iter() called on a freed job");
  if (busy_) return Fail(env, "iter() called while the previous iteration is running");
  auto* worker = new JobWorker(env, this, Value());
  worker->SetBuffers(in.As<Napi::Uint8Array>(), info[1].As<Napi::Boolean>(), out.As<Napi::Uint8Array>());
  return worker->Start();
}

// Sorting a loaded signature can take a while for a multi-GB basis, so it runs on the pool too.
Napi::Value Job::BuildHashTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (sig_ == nullptr) return Fail(env, "buildHashTable() needs a loadsig job that still owns its signature");
  if (busy_) return Fail(env, "buildHashTable() called while the job is running");
  return (new JobWorker(env, this, Value()))->Start();
}

Napi::Value Job::Free(const Napi::CallbackInfo& info) {
  if (busy_) return Fail(info.Env(), "free() called while the job is running");
  Release();
  return info.Env().Undefined();
}

// The copy callback of a patch job runs inside rs_job_iter(), i.e. on the worker thread, so it
// reads the basis with pread() straight into librsync's output buffer.
rs_result Job::CopyFromBasis(void* opaque, rs_long_t pos, size_t* len, void** buf) {
  Job* self = static_cast<Job*>(opaque);
  char* dest = static_cast<char*>(*buf);
  size_t got = 0;
  while (got < *len) {
    ssize_t n = pread(self->basis_fd_, dest + got, *len - got, static_cast<off_t>(pos + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      last_trace = std::string("cannot read the basis: ") + strerror(errno);
      return RS_IO_ERROR;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got == 0) {
    // The delta refers to bytes the basis does not have: it was made for another basis.
    last_trace = "delta copies from beyond the end of the basis at offset " + std::to_string(pos);
    return RS_CORRUPT;
  }
  *len = got;
  return RS_DONE;
}

Napi::Value Job::SigBegin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber())
    return Fail(env, "sigBegin(blockLen, strongLen, magic) expects numbers");
  int64_t block_len = info[0].As<Napi::Number>().Int64Value();
  int64_t strong_len = info[1].As<Napi::Number>().Int64Value();
  uint32_t magic = info[2].As<Napi::Number>().Uint32Value();
  bool md4 = magic == RS_MD4_SIG_MAGIC || magic == RS_RK_MD4_SIG_MAGIC;
  bool blake2 = magic == RS_BLAKE2_SIG_MAGIC || magic == RS_RK_BLAKE2_SIG_MAGIC;
  // librsync only assert()s these, which would abort the whole daemon.
  if (!md4 && !blake2) return Fail(env, "sigBegin(): unknown signature magic");
  if (block_len < 1 || block_len > (1 << 30)) return Fail(env, "sigBegin(): block length out of range");
  if (strong_len < 1 || strong_len > (md4 ? RS_MD4_SUM_LENGTH : RS_BLAKE2_SUM_LENGTH))
    return Fail(env, "sigBegin(): strong sum length out of range");
  Napi::Object obj;
  Job* job = NewJob(env, &obj);
  job->job_ = rs_sig_begin(static_cast<size_t>(block_len), static_cast<size_t>(strong_len),
                           static_cast<rs_magic_number>(magic));
  return obj;
}

Napi::Value Job::LoadSigBegin(const Napi::CallbackInfo& info) {
  Napi::Object obj;
  Job* job = NewJob(info.Env(), &obj);
  job->job_ = rs_loadsig_begin(&job->sig_);
  return obj;
}

// deltaBegin(loadsigJob): the loaded, hashed signature moves into the delta job, which frees it.
Napi::Value Job::DeltaBegin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) return Fail(env, "deltaBegin(loadsigJob) expects a job");
  Napi::Object src_obj = info[0].As<Napi::Object>();
  if (!src_obj.InstanceOf(env.GetInstanceData<Napi::FunctionReference>()->Value()))
    return Fail(env, "deltaBegin(loadsigJob) expects a job");
  Job* src = Unwrap(src_obj);
  if (src->busy_ || src->sig_ == nullptr || !src->hashed_)
    return Fail(env, "deltaBegin() needs a finished loadsig job with its hash table built");
  Napi::Object obj;
  Job* job = NewJob(env, &obj);
  job->sig_ = src->sig_;
  job->hashed_ = true;
  src->sig_ = nullptr;
  job->job_ = rs_delta_begin(job->sig_);
  return obj;
}

// patchBegin(fd): fd is the basis, open for reading; the caller keeps it open until free().
Napi::Value Job::PatchBegin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return Fail(env, "patchBegin(fd) expects a file descriptor");
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (fd < 0) return Fail(env, "patchBegin(fd) expects a file descriptor");
  Napi::Object obj;
  Job* job = NewJob(env, &obj);
  job->basis_fd_ = fd;
  job->job_ = rs_patch_begin(&Job::CopyFromBasis, job);
  return obj;
}

}  // namespace peersync
