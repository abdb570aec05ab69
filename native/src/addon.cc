// SPDX-License-Identifier: BSD-3-Clause
//
// slipway native addon: map the control file (by path, or an fd TypeScript
// opened and checked) and wait/wake on futex words.
// Nothing else lives here: encoding, validation of messages and policy are
// TypeScript (ts-api/src). The surface is typed in ts-api/src/native.ts.

#include <napi.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

namespace {

// errno -> "ENOENT"; glibc >= 2.32 has strerrorname_np.
std::string ErrnoName(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char* name = strerrorname_np(err);
  if (name != nullptr) return name;
#endif
  return "E" + std::to_string(err);
}

// A JS Error whose message names the object and whose `code` is the errno name.
Napi::Error ErrnoError(Napi::Env env, const std::string& what, int err) {
  std::string code = ErrnoName(err);
  Napi::Error e = Napi::Error::New(env, what + ": " + std::strerror(err) + " (" + code + ")");
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, err));
  return e;
}

Napi::Error ArgError(Napi::Env env, const std::string& msg) {
  Napi::TypeError e = Napi::TypeError::New(env, msg);
  e.Set("code", Napi::String::New(env, "ERR_INVALID_ARG"));
  return e;
}

struct Mapping {
  void* addr;
  size_t len;
};

void Unmap(Napi::Env /*env*/, void* /*data*/, Mapping* m) {
  munmap(m->addr, m->len);
  delete m;
}

// mapFile(path): ArrayBuffer over a MAP_SHARED read-write mapping of the file.
Napi::Value MapFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw ArgError(env, "mapFile: path must be a string");
  std::string path = info[0].As<Napi::String>();

  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw ErrnoError(env, "open " + path, errno);
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int err = errno;
    close(fd);
    throw ErrnoError(env, "fstat " + path, err);
  }
  if (st.st_size <= 0) {
    close(fd);
    throw ErrnoError(env, "mmap " + path + " (empty file)", EINVAL);
  }
  size_t len = static_cast<size_t>(st.st_size);
  void* addr = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int err = errno;
  close(fd);
  if (addr == MAP_FAILED) throw ErrnoError(env, "mmap " + path, err);

  Mapping* m = new Mapping{addr, len};
  return Napi::ArrayBuffer::New(env, addr, len, Unmap, m);
}

// mapFd(fd): ArrayBuffer over a MAP_SHARED read-write mapping of the whole
// open file, sized by fstat on that fd. The caller opened and checked the fd
// (owner, mode, type) and closes it: mapping the checked fd itself leaves no
// window for the path to be swapped between the check and the map.
Napi::Value MapFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw ArgError(env, "mapFd: fd must be a number");
  double d = info[0].As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > INT_MAX || d != static_cast<double>(static_cast<int>(d)))
    throw ArgError(env, "mapFd: fd must be a non-negative integer");
  int fd = static_cast<int>(d);
  std::string what = "fd " + std::to_string(fd);
  struct stat st;
  if (fstat(fd, &st) < 0) throw ErrnoError(env, "fstat " + what, errno);
  if (st.st_size <= 0) throw ErrnoError(env, "mmap " + what + " (empty file)", EINVAL);
  size_t len = static_cast<size_t>(st.st_size);
  void* addr = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) throw ErrnoError(env, "mmap " + what, errno);
  Mapping* m = new Mapping{addr, len};
  return Napi::ArrayBuffer::New(env, addr, len, Unmap, m);
}

// Resolves (buf, byteOffset) to an aligned u32 inside the buffer.
uint32_t* FutexWord(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArrayBuffer() || !info[1].IsNumber())
    throw ArgError(env, std::string(fn) + ": expected (ArrayBuffer, byteOffset, ...)");
  Napi::ArrayBuffer buf = info[0].As<Napi::ArrayBuffer>();
  double off = info[1].As<Napi::Number>().DoubleValue();
  if (!(off >= 0) || off != static_cast<double>(static_cast<uint64_t>(off)) ||
      static_cast<uint64_t>(off) % 4 != 0 || static_cast<uint64_t>(off) + 4 > buf.ByteLength())
    throw ArgError(env, std::string(fn) + ": byteOffset " + std::to_string(off) +
                            " is not a 4-aligned offset inside the buffer (" +
                            std::to_string(buf.ByteLength()) + " bytes)");
  return reinterpret_cast<uint32_t*>(static_cast<uint8_t*>(buf.Data()) + static_cast<size_t>(off));
}

uint32_t ExpectedArg(const Napi::CallbackInfo& info, const char* fn) {
  if (info.Length() < 3 || !info[2].IsNumber())
    throw ArgError(info.Env(), std::string(fn) + ": expected must be a number");
  // Accept both the signed (Int32Array) and unsigned view of the word.
  return static_cast<uint32_t>(info[2].As<Napi::Number>().Int64Value());
}

// timeoutMs < 0 or not finite: wait forever.
double TimeoutArg(const Napi::CallbackInfo& info, const char* fn) {
  if (info.Length() < 4 || !info[3].IsNumber())
    throw ArgError(info.Env(), std::string(fn) + ": timeoutMs must be a number");
  return info[3].As<Napi::Number>().DoubleValue();
}

enum WaitResult { kOk, kTimeout, kNotEqual };

const char* WaitResultName(WaitResult r) {
  switch (r) {
    case kTimeout: return "timeout";
    case kNotEqual: return "not-equal";
    default: return "ok";
  }
}

// FUTEX_WAIT (shared, not private: the word lives in a MAP_SHARED file
// mapping used by two processes). A signal interruption counts as a wake-up:
// callers re-check their condition anyway. Returns -errno on other failures.
int DoFutexWait(uint32_t* word, uint32_t expected, double timeout_ms, WaitResult* out) {
  struct timespec ts;
  struct timespec* tsp = nullptr;
  if (timeout_ms >= 0 && timeout_ms < 1e15) {
    uint64_t ns = static_cast<uint64_t>(timeout_ms * 1e6);
    ts.tv_sec = static_cast<time_t>(ns / 1000000000ull);
    ts.tv_nsec = static_cast<long>(ns % 1000000000ull);
    tsp = &ts;
  }
  long rc = syscall(SYS_futex, word, FUTEX_WAIT, expected, tsp, nullptr, 0);
  if (rc == 0) {
    *out = kOk;
    return 0;
  }
  switch (errno) {
    case ETIMEDOUT: *out = kTimeout; return 0;
    case EAGAIN: *out = kNotEqual; return 0;
    case EINTR: *out = kOk; return 0;
    default: return -errno;
  }
}

class FutexWaitWorker : public Napi::AsyncWorker {
 public:
  FutexWaitWorker(Napi::Env env, Napi::ArrayBuffer buf, uint32_t* word, uint32_t expected, double timeout_ms)
      : Napi::AsyncWorker(env, "slipway:futexWait"),
        deferred_(Napi::Promise::Deferred::New(env)),
        buf_(Napi::Persistent(buf)),  // keeps the mapping alive while we wait
        word_(word),
        expected_(expected),
        timeout_ms_(timeout_ms) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    err_ = DoFutexWait(word_, expected_, timeout_ms_, &result_);
  }

  // Both may run while the environment is being torn down (worker exit,
  // uncaught exception): N-API calls then fail and must not escape as C++
  // exceptions, which would abort the process.
  void OnOK() override {
    try {
      Napi::Env env = Env();
      if (err_ != 0) {
        deferred_.Reject(ErrnoError(env, "futex wait", -err_).Value());
        return;
      }
      deferred_.Resolve(Napi::String::New(env, WaitResultName(result_)));
    } catch (const Napi::Error&) {
    }
  }

  void OnError(const Napi::Error& e) override {
    try {
      deferred_.Reject(e.Value());
    } catch (const Napi::Error&) {
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::ArrayBuffer> buf_;
  uint32_t* word_;
  uint32_t expected_;
  double timeout_ms_;
  WaitResult result_ = kOk;
  int err_ = 0;
};

// futexWait(buf, byteOffset, expected, timeoutMs): Promise<'ok'|'timeout'|'not-equal'>
Napi::Value FutexWait(const Napi::CallbackInfo& info) {
  uint32_t* word = FutexWord(info, "futexWait");
  uint32_t expected = ExpectedArg(info, "futexWait");
  double timeout_ms = TimeoutArg(info, "futexWait");
  auto* w = new FutexWaitWorker(info.Env(), info[0].As<Napi::ArrayBuffer>(), word, expected, timeout_ms);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// futexWaitSync(buf, byteOffset, expected, timeoutMs): 'ok'|'timeout'|'not-equal'
Napi::Value FutexWaitSync(const Napi::CallbackInfo& info) {
  uint32_t* word = FutexWord(info, "futexWaitSync");
  uint32_t expected = ExpectedArg(info, "futexWaitSync");
  double timeout_ms = TimeoutArg(info, "futexWaitSync");
  WaitResult r;
  int err = DoFutexWait(word, expected, timeout_ms, &r);
  if (err != 0) throw ErrnoError(info.Env(), "futex wait", -err);
  return Napi::String::New(info.Env(), WaitResultName(r));
}

// futexWake(buf, byteOffset, count): number of waiters woken.
Napi::Value FutexWake(const Napi::CallbackInfo& info) {
  uint32_t* word = FutexWord(info, "futexWake");
  if (info.Length() < 3 || !info[2].IsNumber()) throw ArgError(info.Env(), "futexWake: count must be a number");
  double c = info[2].As<Napi::Number>().DoubleValue();
  int count = (c >= INT_MAX || c != c) ? INT_MAX : (c < 1 ? 1 : static_cast<int>(c));
  long rc = syscall(SYS_futex, word, FUTEX_WAKE, count, nullptr, nullptr, 0);
  if (rc < 0) throw ErrnoError(info.Env(), "futex wake", errno);
  return Napi::Number::New(info.Env(), static_cast<double>(rc));
}

// monotonicNs(): bigint, CLOCK_MONOTONIC (the clock of the dataplane heartbeat).
Napi::Value MonotonicNs(const Napi::CallbackInfo& info) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t ns = static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
  return Napi::BigInt::New(info.Env(), ns);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("mapFile", Napi::Function::New(env, MapFile, "mapFile"));
  exports.Set("mapFd", Napi::Function::New(env, MapFd, "mapFd"));
  exports.Set("futexWait", Napi::Function::New(env, FutexWait, "futexWait"));
  exports.Set("futexWaitSync", Napi::Function::New(env, FutexWaitSync, "futexWaitSync"));
  exports.Set("futexWake", Napi::Function::New(env, FutexWake, "futexWake"));
  exports.Set("monotonicNs", Napi::Function::New(env, MonotonicNs, "monotonicNs"));
  return exports;
}

}  // namespace

NODE_API_MODULE(slipway_native, Init)
