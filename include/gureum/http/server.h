#pragma once
// The HTTP/1.1 front end: one Boost.Asio io_context run by a few I/O threads, plus two pools
// for work that blocks: a small one (a thread per core) for short work, and a large one for work
// that can hold a thread for long (streamed request bodies, large copies). This header hides Beast
// and Asio entirely (PIMPL), so only src/http pays their compile cost.
//
// Life of a connection: read a request head (size limit, timeout) -> Application::Begin ->
// Exchange::PlanBody -> buffer the body (bounded) or leave it to stream -> Exchange::Prepare ->
// Exchange::Run, where Prepare says (I/O thread, short or long worker pool) ->
// write the response (in memory, or streamed from a BodyProducer) -> Exchange::Complete ->
// keep-alive loop.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "gureum/core/error.h"
#include "gureum/http/message.h"

namespace gureum::http {

struct ServerOptions {
  std::string host = "127.0.0.1";       // Default: loopback only.
  uint16_t port = 4566;                 // 0 picks a free port (tests); see Server::port().
  size_t io_threads = 2;                // Default: set by the caller from the core count.
  size_t quick_threads = 2;             // Short blocking work: a SQLite query, a file read.
  size_t worker_threads = 16;           // Long blocking work: streamed bodies, copies, processes.
  size_t max_header_bytes = 16 * 1024;  // Request line plus headers. Over it: 431.
  std::chrono::milliseconds header_timeout{20'000};  // For a request head once it begins.
  std::chrono::milliseconds idle_timeout{60'000};    // Keep-alive wait for the next request.
  std::chrono::milliseconds body_timeout{60'000};    // Per read of body bytes (slowloris).
  std::chrono::milliseconds write_timeout{60'000};   // Per write of response bytes.
  std::chrono::milliseconds drain_timeout{10'000};   // Graceful shutdown: in-flight grace.
};

enum class BodyMode {
  Buffer,  // The server reads the whole body (up to a limit) before Prepare().
  Stream,  // Run() pulls the body through a BodySource, on a worker thread.
};

// Where Exchange::Run goes. Short work shares a pool sized to the cores: a thread that finishes
// picks up the next request instead of waking an idle one, which on a loaded 2-core machine
// costs more than the request itself. Work that may wait on the network or copy gigabytes goes
// to the large pool so it cannot starve the short work.
enum class RunOn {
  IoThread,    // never blocks
  Worker,      // blocks briefly
  LongWorker,  // may block for long (Stream-mode bodies always run here)
};

struct BodyPlan {
  BodyMode mode = BodyMode::Buffer;
  uint64_t limit = 0;  // Buffer mode: largest body accepted; larger gets Fail(413).
};

struct Completion {
  int status = 0;
  uint64_t bytes_in = 0;   // Request body bytes read from the socket.
  uint64_t bytes_out = 0;  // Response body bytes written.
  std::chrono::nanoseconds latency{0};
  bool aborted = false;  // The connection broke before the response was fully written.
};

// One request/response, created by the Application per request. Called from one thread at a time.
class Exchange {
 public:
  virtual ~Exchange() = default;
  // After the request head. I/O thread; must not block.
  virtual BodyPlan PlanBody() = 0;
  // After a buffered body arrived (empty in Stream mode). I/O thread; must not block. Says
  // where Run() goes.
  virtual RunOn Prepare(std::string body) = 0;
  // Produces the response. In Stream mode the body is read from `body`.
  virtual Response Run(BodySource& body) = 0;
  // Renders an error the server hit on this request (body too large, body timeout) in the
  // request's own protocol. I/O thread.
  virtual Response Fail(const AwsError& error) = 0;
  // After the response was written, or the connection broke. I/O thread.
  virtual void Complete(const Completion& completion) = 0;
};

class Application {
 public:
  virtual ~Application() = default;
  // A new request head arrived. I/O thread; must not block.
  virtual std::unique_ptr<Exchange> Begin(Request&& request) = 0;
  // A request the server refuses before any Exchange (malformed HTTP, oversize head).
  virtual Response Reject(const AwsError& error) = 0;
  // Connection count changed (for metrics). Any thread.
  virtual void ConnectionsChanged(int delta) { (void)delta; }
};

class Server {
 public:
  // Binds and starts listening; fails with a clear message when the address is unusable.
  static Result<std::unique_ptr<Server>> Create(const ServerOptions& options, Application& app);
  ~Server();

  uint16_t port() const;
  // Runs the I/O threads until the server has stopped (after Shutdown and drain). Blocks.
  void Run();
  // Graceful stop, from any thread (signal handlers included): stop accepting, close idle
  // connections, let in-flight requests finish for up to drain_timeout, then close the rest.
  void Shutdown();
  // Runs `task` on the worker pool (for background work of the application).
  void PostToWorkers(std::function<void()> task);

  struct Impl;  // Opaque: Beast and Asio live behind it.

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gureum::http
