// The Beast/Asio HTTP/1.1 server. Each connection is one coroutine on its own strand; blocking
// work (Exchange::Run when it may block, streamed body reads and response production) runs on
// the worker pool while the coroutine waits without holding an I/O thread.

#include "gureum/http/server.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "gureum/core/encoding.h"

#include "http/request_parser.h"

namespace gureum::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using Parser = bhttp::request_parser<bhttp::buffer_body>;

constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr size_t kBodyChunk = 64 * 1024;
constexpr size_t kResponseChunk = 256 * 1024;

// Runs `fn` on the worker pool and resumes the awaiting coroutine on its own executor with the
// result. `fn` must not throw (callers catch inside).
template <class F>
net::awaitable<std::invoke_result_t<F>> Offload(net::thread_pool& pool, F fn) {
  using R = std::invoke_result_t<F>;
  auto ex = co_await net::this_coro::executor;
  co_return co_await net::async_initiate<const net::use_awaitable_t<>&, void(R)>(
      [&pool, ex, fn = std::move(fn)](auto handler) mutable {
        net::post(pool, [ex, fn = std::move(fn), handler = std::move(handler)]() mutable {
          R result = fn();
          net::post(ex, [handler = std::move(handler), result = std::move(result)]() mutable {
            std::move(handler)(std::move(result));
          });
        });
      },
      net::use_awaitable);
}

bool IsQuietDisconnect(const boost::system::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == net::error::eof ||
         ec == beast::error::timeout || ec == net::error::operation_aborted ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::bad_descriptor || ec == bhttp::error::partial_message;
}

bool StatusHasNoBody(int status) { return status < 200 || status == 204 || status == 304; }

}  // namespace

class Session;

struct Server::Impl {
  Impl(const ServerOptions& opts, Application& application)
      : options(opts),
        app(application),
        io(static_cast<int>(opts.io_threads)),
        quick(opts.quick_threads),
        workers(opts.worker_threads),
        acceptor(net::make_strand(io)),
        drain_timer(acceptor.get_executor()) {}

  net::awaitable<void> Accept();
  void Register(const std::shared_ptr<Session>& session);
  void Unregister(Session* session);
  void BeginShutdown();
  void ForEachSession(const std::function<void(const std::shared_ptr<Session>&)>& fn);

  ServerOptions options;
  Application& app;
  net::io_context io;
  net::thread_pool quick;
  net::thread_pool workers;
  tcp::acceptor acceptor;
  net::steady_timer drain_timer;
  std::atomic<bool> stopping{false};
  uint16_t bound_port = 0;

  std::mutex sessions_mu;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl& server, tcp::socket socket)
      : server_(server),
        options_(server.options),
        stream_(std::move(socket)),
        body_timer_(stream_.get_executor()) {}

  net::any_io_executor executor() { return stream_.get_executor(); }
  bool expect_continue_pending() const { return expect_continue_ && !continue_sent_; }

  net::awaitable<void> Run();

  // On the session's strand: close if waiting for a request (graceful shutdown), or always.
  void CloseIfIdle() {
    if (idle_) Close();
  }
  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  // Worker side of a streamed request body (see SocketBodySource).
  net::awaitable<Result<size_t>> ReadBodyInto(Parser& parser, std::span<char> buffer);

 private:
  friend class SocketBodySource;

  net::awaitable<bool> HandleOne(Parser& parser, bool& keep_alive);
  net::awaitable<bool> SendContinue();
  net::awaitable<bool> WriteResponse(Response& response, unsigned version, bool keep_alive,
                                     uint64_t& bytes_out);
  net::awaitable<void> WriteReject(const AwsError& error);

  Server::Impl& server_;
  const ServerOptions& options_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  // Body reads time out through this timer, which cancels the read but keeps the socket open
  // (tcp_stream's own timeout would close it), so the client still gets 400 RequestTimeout.
  net::steady_timer body_timer_;
  bool body_timed_out_ = false;
  bool idle_ = true;
  bool expect_continue_ = false;
  bool continue_sent_ = false;
  uint64_t bytes_in_ = 0;
  tcp::endpoint remote_;
};

// A request body pulled by a worker thread: each Read() runs one socket read on the session's
// strand (the session coroutine is suspended meanwhile, so nothing else touches the stream) and
// blocks the worker until it completes.
class SocketBodySource final : public BodySource {
 public:
  SocketBodySource(Session& session, Parser& parser, std::optional<uint64_t> length)
      : session_(session), parser_(parser), length_(length) {}

  Result<size_t> Read(std::span<char> buffer) override {
    if (finished_ || buffer.empty()) return size_t{0};
    // The end of the body needs no trip to the strand: the last read completed there before
    // this thread was woken, so the parser's state is visible and no one else touches it.
    if (parser_.is_done() && !session_.expect_continue_pending()) {
      finished_ = true;
      return size_t{0};
    }
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    Result<size_t> result = size_t{0};
    net::co_spawn(session_.executor(), session_.ReadBodyInto(parser_, buffer),
                  [&](std::exception_ptr error, Result<size_t> r) {
                    std::lock_guard lock(mu);
                    result = error ? Result<size_t>(
                                         Fail(ErrorCode::InternalError, "request body read failed"))
                                   : std::move(r);
                    done = true;
                    cv.notify_one();
                  });
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done; });
    if (!result || *result == 0) finished_ = true;
    return result;
  }

  std::optional<uint64_t> size_hint() const override { return length_; }

 private:
  Session& session_;
  Parser& parser_;
  std::optional<uint64_t> length_;
  bool finished_ = false;
};

net::awaitable<void> Session::Run() {
  beast::error_code ec;
  remote_ = stream_.socket().remote_endpoint(ec);
  bool first = true;
  for (;;) {
    if (server_.stopping.load()) break;
    Parser parser;
    parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser.body_limit(boost::none);  // Bodies are bounded by the Exchange's plan, not here.
    idle_ = true;
    stream_.expires_after(first ? options_.header_timeout : options_.idle_timeout);
    first = false;
    auto [read_ec, n] = co_await bhttp::async_read_header(stream_, buffer_, parser, kTuple);
    idle_ = false;
    if (read_ec) {
      if (read_ec == bhttp::error::header_limit) {
        co_await WriteReject(AwsError(ErrorCode::RequestHeaderFieldsTooLarge,
                                      "Your request head exceeds the maximum allowed size of " +
                                          std::to_string(options_.max_header_bytes) + " bytes"));
      } else if (!IsQuietDisconnect(read_ec)) {
        co_await WriteReject(
            AwsError(ErrorCode::BadRequest, "Malformed HTTP request: " + read_ec.message()));
      }
      break;
    }
    bool keep_alive = false;
    bool ok = co_await HandleOne(parser, keep_alive);
    if (!ok || !keep_alive) break;
  }
  Close();
}

net::awaitable<bool> Session::SendContinue() {
  if (!expect_continue_ || continue_sent_) co_return true;
  continue_sent_ = true;
  bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, 11};
  stream_.expires_after(options_.write_timeout);
  auto [ec, n] = co_await bhttp::async_write(stream_, cont, kTuple);
  co_return !ec;
}

net::awaitable<Result<size_t>> Session::ReadBodyInto(Parser& parser, std::span<char> buffer) {
  if (!co_await SendContinue()) {
    co_return Fail(ErrorCode::IncompleteBody, "The connection closed before the request body");
  }
  auto timeout = [] {
    return Fail(ErrorCode::RequestTimeout,
                "Your socket connection to the server was not read from or written to within "
                "the timeout period. Idle connections will be closed.");
  };
  for (;;) {
    if (body_timed_out_) co_return timeout();
    if (parser.is_done()) co_return size_t{0};
    parser.get().body().data = buffer.data();
    parser.get().body().size = buffer.size();
    parser.get().body().more = true;
    stream_.expires_never();
    body_timer_.expires_after(options_.body_timeout);
    body_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled: the read finished first
      body_timed_out_ = true;
      beast::error_code ignored;
      stream_.socket().cancel(ignored);
    });
    auto [ec, n] = co_await bhttp::async_read(stream_, buffer_, parser, kTuple);
    body_timer_.cancel();
    if (ec == bhttp::error::need_buffer) ec = {};
    size_t got = buffer.size() - parser.get().body().size;
    bytes_in_ += got;
    if (got > 0) co_return got;  // A following error is reported by the next read.
    if (body_timed_out_) co_return timeout();
    if (ec) {
      co_return Fail(ErrorCode::IncompleteBody,
                     "The request body ended before the length the request declared");
    }
  }
}

net::awaitable<bool> Session::HandleOne(Parser& parser, bool& keep_alive) {
  auto started = std::chrono::steady_clock::now();
  bytes_in_ = 0;
  body_timed_out_ = false;
  continue_sent_ = false;
  expect_continue_ =
      EqualsIgnoreCase(std::string_view(parser.get()[bhttp::field::expect]), "100-continue");
  unsigned version = parser.get().version();
  keep_alive = parser.keep_alive();

  Request request = RequestFromParser(parser);
  request.remote_address = remote_.address().to_string();
  request.remote_port = remote_.port();
  auto exchange = server_.app.Begin(std::move(request));
  BodyPlan plan = exchange->PlanBody();
  std::optional<uint64_t> length;
  if (auto declared = parser.content_length()) length = *declared;
  bool has_body = !parser.is_done();

  Response response;
  bool body_failed = false;
  if (plan.mode == BodyMode::Buffer) {
    std::string body;
    if (has_body && length && *length > plan.limit) {
      response = exchange->Fail(
          AwsError(ErrorCode::RequestEntityTooLarge, "Request body of " + std::to_string(*length) +
                                                         " bytes exceeds the limit of " +
                                                         std::to_string(plan.limit) + " bytes"));
      body_failed = true;
    } else if (has_body) {
      if (length) body.reserve(static_cast<size_t>(*length));
      std::string chunk(kBodyChunk, '\0');
      while (!parser.is_done()) {
        auto got = co_await ReadBodyInto(parser, chunk);
        if (!got) {
          response = exchange->Fail(got.error());
          body_failed = true;
          break;
        }
        if (body.size() + *got > plan.limit) {
          response = exchange->Fail(AwsError(
              ErrorCode::RequestEntityTooLarge,
              "Request body exceeds the limit of " + std::to_string(plan.limit) + " bytes"));
          body_failed = true;
          break;
        }
        body.append(chunk.data(), *got);
      }
    }
    if (!body_failed) {
      RunOn where = exchange->Prepare(std::move(body));
      StringBodySource empty("");
      if (where == RunOn::IoThread) {
        response = exchange->Run(empty);
      } else {
        auto& pool = where == RunOn::Worker ? server_.quick : server_.workers;
        response = co_await Offload(pool, [&]() { return exchange->Run(empty); });
      }
    }
  } else {
    RunOn where = exchange->Prepare(std::string());
    SocketBodySource source(*this, parser, length);
    if (where == RunOn::IoThread) {
      response = exchange->Run(source);
    } else {
      // Reading the body waits on the client: never in the short-work pool.
      response = co_await Offload(server_.workers, [&]() { return exchange->Run(source); });
    }
  }

  // A body the handler did not consume would be read as the next request: close instead.
  if (!parser.is_done() || body_failed) keep_alive = false;
  if (server_.stopping.load()) keep_alive = false;
  // A client that asked for 100-continue on an empty body is still owed the interim response
  // on a connection we keep: botocore remembers a final response seen in its place and
  // misreads the next response on that connection as headers, then waits for a close.
  if (keep_alive && expect_continue_pending() && !co_await SendContinue()) keep_alive = false;

  uint64_t bytes_out = 0;
  bool written = co_await WriteResponse(response, version, keep_alive, bytes_out);
  Completion completion;
  completion.status = response.status;
  completion.bytes_in = bytes_in_;
  completion.bytes_out = bytes_out;
  completion.latency = std::chrono::steady_clock::now() - started;
  completion.aborted = !written;
  exchange->Complete(completion);
  co_return written;
}

net::awaitable<bool> Session::WriteResponse(Response& r, unsigned version, bool keep_alive,
                                            uint64_t& bytes_out) {
  auto status = static_cast<bhttp::status>(r.status);
  if (!r.stream) {
    bhttp::response<bhttp::string_body> res{status, version};
    for (const auto& [name, value] : r.headers.entries()) res.insert(name, value);
    res.keep_alive(keep_alive);
    if (!StatusHasNoBody(r.status)) {
      if (r.head_only) {
        res.content_length(r.content_length_override.value_or(r.body.size()));
      } else {
        res.content_length(r.body.size());
        bytes_out = r.body.size();
        res.body() = std::move(r.body);
      }
    }
    stream_.expires_after(options_.write_timeout);
    bhttp::response_serializer<bhttp::string_body> sr{res};
    if (r.head_only || StatusHasNoBody(r.status)) {
      auto [ec, n] = co_await bhttp::async_write_header(stream_, sr, kTuple);
      co_return !ec;
    }
    auto [ec, n] = co_await bhttp::async_write(stream_, sr, kTuple);
    co_return !ec;
  }

  bhttp::response<bhttp::buffer_body> res{status, version};
  for (const auto& [name, value] : r.headers.entries()) res.insert(name, value);
  res.keep_alive(keep_alive);
  if (r.stream_length) {
    res.content_length(*r.stream_length);
  } else {
    res.chunked(true);
  }
  res.body().data = nullptr;
  res.body().more = true;
  bhttp::response_serializer<bhttp::buffer_body> sr{res};
  stream_.expires_after(options_.write_timeout);
  {
    auto [ec, n] = co_await bhttp::async_write_header(stream_, sr, kTuple);
    if (ec) co_return false;
  }
  std::string chunk(kResponseChunk, '\0');
  BodyProducer* producer = r.stream.get();
  uint64_t remaining = r.stream_length.value_or(UINT64_MAX);
  for (;;) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(chunk.size(), remaining));
    Result<size_t> got = size_t{0};
    if (want > 0) {
      got = co_await Offload(server_.quick, [&]() -> Result<size_t> {
        try {
          return producer->Read(std::span(chunk.data(), want));
        } catch (const std::exception& e) {
          return Fail(ErrorCode::InternalError, e.what());
        }
      });
    }
    if (!got) {
      spdlog::warn("response body failed mid-stream: {}", got.error().message());
      co_return false;  // The status line is out: all we can do is break the connection.
    }
    if (*got == 0 && r.stream_length && remaining > 0) {
      spdlog::error("response body ended {} bytes short of its Content-Length", remaining);
      co_return false;
    }
    res.body().data = *got > 0 ? chunk.data() : nullptr;
    res.body().size = *got;
    res.body().more = *got > 0;
    remaining -= std::min<uint64_t>(remaining, *got);
    bytes_out += *got;
    stream_.expires_after(options_.write_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream_, sr, kTuple);
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) co_return false;
    if (*got == 0 || sr.is_done()) break;
  }
  co_return true;
}

net::awaitable<void> Session::WriteReject(const AwsError& error) {
  Response response = server_.app.Reject(error);
  uint64_t bytes_out = 0;
  co_await WriteResponse(response, 11, false, bytes_out);
}

net::awaitable<void> Server::Impl::Accept() {
  for (;;) {
    // A named strand, not a temporary inside the co_await: GCC 12 destroys such temporaries
    // twice, which released the strand's shared state early (use-after-free on close).
    auto strand = net::make_strand(io);
    auto [ec, socket] = co_await acceptor.async_accept(strand, kTuple);
    if (stopping.load()) co_return;
    if (ec) {
      if (ec == net::error::operation_aborted) co_return;
      if (ec == net::error::no_descriptors || ec.value() == ENFILE) {
        // Out of file descriptors: back off instead of spinning on the accept error.
        spdlog::warn("accept: {}; retrying in 100 ms", ec.message());
        net::steady_timer wait(acceptor.get_executor(), std::chrono::milliseconds(100));
        co_await wait.async_wait(kTuple);
      }
      continue;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<Session>(*this, std::move(socket));
    Register(session);
    net::co_spawn(
        session->executor(), [session]() { return session->Run(); },
        [this, raw = session.get()](std::exception_ptr error) {
          if (error) {
            try {
              std::rethrow_exception(error);
            } catch (const std::exception& e) {
              spdlog::error("connection ended by an exception: {}", e.what());
            }
          }
          Unregister(raw);
        });
  }
}

void Server::Impl::Register(const std::shared_ptr<Session>& session) {
  {
    std::lock_guard lock(sessions_mu);
    sessions.emplace(session.get(), session);
  }
  app.ConnectionsChanged(+1);
}

void Server::Impl::Unregister(Session* session) {
  bool last = false;
  {
    std::lock_guard lock(sessions_mu);
    sessions.erase(session);
    last = sessions.empty();
  }
  app.ConnectionsChanged(-1);
  if (last && stopping.load()) {
    net::post(acceptor.get_executor(), [this] {
      drain_timer.cancel();
      io.stop();
    });
  }
}

void Server::Impl::ForEachSession(const std::function<void(const std::shared_ptr<Session>&)>& fn) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mu);
    for (auto& [raw, weak] : sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) fn(s);
}

void Server::Impl::BeginShutdown() {
  if (stopping.exchange(true)) return;
  beast::error_code ignored;
  acceptor.close(ignored);
  ForEachSession([](const std::shared_ptr<Session>& s) {
    net::post(s->executor(), [s] { s->CloseIfIdle(); });
  });
  bool none;
  {
    std::lock_guard lock(sessions_mu);
    none = sessions.empty();
  }
  if (none) {
    io.stop();
    return;
  }
  drain_timer.expires_after(options.drain_timeout);
  drain_timer.async_wait([this](beast::error_code ec) {
    if (ec) return;
    spdlog::warn("shutdown: drain time is up; closing the remaining connections");
    ForEachSession(
        [](const std::shared_ptr<Session>& s) { net::post(s->executor(), [s] { s->Close(); }); });
  });
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  if (impl_) {
    impl_->io.stop();
    impl_->quick.join();
    impl_->workers.join();
  }
}

Result<std::unique_ptr<Server>> Server::Create(const ServerOptions& options, Application& app) {
  auto impl = std::make_unique<Impl>(options, app);
  beast::error_code ec;
  auto address = net::ip::make_address(options.host, ec);
  if (ec) {
    return Fail(ErrorCode::InvalidParameterValue,
                "listen address '" + options.host + "' is not an IP address");
  }
  tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Fail(ErrorCode::InternalError, "cannot listen on " + options.host + ":" +
                                              std::to_string(options.port) + ": " + ec.message());
  }
  impl->bound_port = impl->acceptor.local_endpoint().port();
  net::co_spawn(impl->acceptor.get_executor(), impl->Accept(), net::detached);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->bound_port; }

void Server::Run() {
  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl_->options.io_threads; ++i) {
    threads.emplace_back([this] { impl_->io.run(); });
  }
  impl_->io.run();
  for (auto& t : threads) t.join();
  impl_->quick.join();
  impl_->workers.join();
}

void Server::Shutdown() {
  net::post(impl_->acceptor.get_executor(), [impl = impl_.get()] { impl->BeginShutdown(); });
}

void Server::PostToWorkers(std::function<void()> task) {
  net::post(impl_->workers, std::move(task));
}

}  // namespace gureum::http
