// The HTTP server against a test Application, over real loopback sockets: streamed request
// bodies, streamed responses (known length and chunked), Expect: 100-continue, inline versus
// worker execution, and keep-alive after each.

#include "gureum/http/server.h"

#include <atomic>
#include <cstring>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "gureum/core/crypto.h"
#include "gureum/core/encoding.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace gureum::http {
namespace {

// Produces `total` bytes of a repeating pattern, in whatever pieces the server asks for.
class PatternProducer final : public BodyProducer {
 public:
  explicit PatternProducer(uint64_t total) : remaining_(total) {}
  Result<size_t> Read(std::span<char> buffer) override {
    size_t n = static_cast<size_t>(std::min<uint64_t>(buffer.size(), remaining_));
    for (size_t i = 0; i < n; ++i) buffer[i] = static_cast<char>('a' + (offset_++ % 26));
    remaining_ -= n;
    return n;
  }

 private:
  uint64_t remaining_;
  uint64_t offset_ = 0;
};

std::string Pattern(uint64_t total) {
  std::string out(total, '\0');
  for (uint64_t i = 0; i < total; ++i) out[i] = static_cast<char>('a' + (i % 26));
  return out;
}

// Routes by path:
//   POST /hash      streams the body, answers its SHA-256 and size (worker)
//   POST /reject    answers 403 without reading the body (inline)
//   GET  /stream/N  streams N bytes with Content-Length (worker)
//   GET  /chunked/N streams N bytes with chunked encoding (worker)
//   GET  /inline    answers from the I/O thread
//   POST /buffered  buffered body (limit 1 KiB), answers its size (short-work pool)
//   GET  /long-wait long-running: waits for the test to open its gate (long-work pool)
class TestExchange final : public Exchange {
 public:
  TestExchange(Request request, std::atomic<int>& completed, std::atomic<int>& waiting,
               std::shared_future<void> gate)
      : request_(std::move(request)),
        completed_(completed),
        waiting_(waiting),
        gate_(std::move(gate)) {}

  BodyPlan PlanBody() override {
    if (request_.path == "/buffered" || request_.path == "/long-wait") {
      return {BodyMode::Buffer, 1024};
    }
    return {BodyMode::Stream, 0};
  }
  RunOn Prepare(std::string body) override {
    buffered_ = std::move(body);
    if (request_.path == "/inline" || request_.path == "/reject") return RunOn::IoThread;
    return request_.path.starts_with("/long") ? RunOn::LongWorker : RunOn::Worker;
  }
  Response Run(BodySource& body) override {
    Response r;
    const std::string& p = request_.path;
    if (p == "/hash") {
      Hasher h(HashAlgorithm::Sha256);
      uint64_t size = 0;
      std::string buffer(100 * 1024, '\0');
      for (;;) {
        auto n = body.Read(buffer);
        if (!n) {
          r.status = 400;
          r.body = n.error().code();
          return r;
        }
        if (*n == 0) break;
        h.Update(std::string_view(buffer.data(), *n));
        size += *n;
      }
      r.body = HexEncode(h.Final()) + " " + std::to_string(size);
    } else if (p == "/reject") {
      r.status = 403;
      r.body = "denied";
    } else if (p.rfind("/stream/", 0) == 0) {
      uint64_t n = std::stoull(p.substr(8));
      r.stream = std::make_unique<PatternProducer>(n);
      r.stream_length = n;
    } else if (p.rfind("/chunked/", 0) == 0) {
      r.stream = std::make_unique<PatternProducer>(std::stoull(p.substr(9)));
    } else if (p == "/inline") {
      r.body = "inline";
    } else if (p == "/buffered") {
      r.body = std::to_string(buffered_.size());
    } else if (p == "/long-wait") {
      // Bounded, so a server that queues short work behind this fails instead of hanging.
      ++waiting_;
      bool opened = gate_.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
      r.body = opened ? "released" : "gate never opened";
    } else {
      r.status = 404;
    }
    return r;
  }
  Response Fail(const AwsError& error) override {
    Response r;
    r.status = error.http_status();
    r.body = error.code();
    return r;
  }
  void Complete(const Completion&) override { ++completed_; }

 private:
  Request request_;
  std::string buffered_;
  std::atomic<int>& completed_;
  std::atomic<int>& waiting_;
  std::shared_future<void> gate_;
};

class TestApplication final : public Application {
 public:
  std::unique_ptr<Exchange> Begin(Request&& request) override {
    return std::make_unique<TestExchange>(std::move(request), completed, waiting, gate);
  }
  Response Reject(const AwsError& error) override {
    Response r;
    r.status = error.http_status();
    r.body = error.code();
    return r;
  }
  std::atomic<int> completed{0};
  std::atomic<int> waiting{0};  // /long-wait handlers at their gate
  std::promise<void> open_gate;
  std::shared_future<void> gate = open_gate.get_future().share();
};

class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Client() { ::close(fd_); }

  void Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      ASSERT_GT(n, 0);
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  // Reads until `marker` has arrived (or the peer closes / times out).
  std::string ReadUntil(std::string_view marker) {
    while (pending_.find(marker) == std::string::npos) {
      if (!ReadMore()) break;
    }
    return pending_;
  }
  // One response: head, then Content-Length bytes or a chunked body (decoded).
  struct Reply {
    int status = 0;
    std::string head;
    std::string body;
  };
  Reply ReadResponse() {
    Reply reply;
    ReadUntil("\r\n\r\n");
    size_t end = pending_.find("\r\n\r\n");
    if (end == std::string::npos) return reply;
    reply.head = pending_.substr(0, end + 4);
    pending_.erase(0, end + 4);
    reply.status = std::atoi(reply.head.c_str() + 9);
    std::string lower = ToLower(reply.head);
    if (auto cl = lower.find("content-length: "); cl != std::string::npos) {
      size_t length = std::stoull(lower.substr(cl + 16));
      while (pending_.size() < length && ReadMore()) {
      }
      reply.body = pending_.substr(0, length);
      pending_.erase(0, length);
    } else if (lower.find("transfer-encoding: chunked") != std::string::npos) {
      for (;;) {
        ReadUntil("\r\n");
        size_t eol = pending_.find("\r\n");
        size_t size = std::stoull(pending_.substr(0, eol), nullptr, 16);
        pending_.erase(0, eol + 2);
        while (pending_.size() < size + 2 && ReadMore()) {
        }
        reply.body += pending_.substr(0, size);
        pending_.erase(0, size + 2);
        if (size == 0) break;
      }
    }
    return reply;
  }
  bool PeerClosed() {
    char c;
    return ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  bool ReadMore() {
    char buffer[65536];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<size_t>(n));
    return true;
  }
  int fd_;
  std::string pending_;
};

class ServerTest : public testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.port = 0;
    options.io_threads = 2;
    options.quick_threads = 1;
    options.worker_threads = 4;
    options.body_timeout = std::chrono::milliseconds(1500);
    auto server = Server::Create(options, app_);
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    server_->Shutdown();
    thread_.join();
  }
  uint16_t port() const { return server_->port(); }

  TestApplication app_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(ServerTest, StreamsALargeRequestBodyToTheHandler) {
  std::string body = Pattern(8 * 1024 * 1024 + 13);
  Client c(port());
  c.Send("POST /hash HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n");
  c.Send(body);
  auto reply = c.ReadResponse();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, Sha256Hex(body) + " " + std::to_string(body.size()));
}

TEST_F(ServerTest, StreamsAChunkedRequestBody) {
  Client c(port());
  c.Send(
      "POST /hash HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  auto reply = c.ReadResponse();
  EXPECT_EQ(reply.body, Sha256Hex("hello world") + " 11");
}

TEST_F(ServerTest, StreamsResponsesWithKnownLengthAndChunked) {
  Client c(port());
  c.Send("GET /stream/3000000 HTTP/1.1\r\nHost: x\r\n\r\n");
  auto known = c.ReadResponse();
  EXPECT_EQ(known.status, 200);
  EXPECT_NE(ToLower(known.head).find("content-length: 3000000"), std::string::npos);
  EXPECT_EQ(known.body, Pattern(3000000));
  // Same connection: keep-alive survives a streamed response.
  c.Send("GET /chunked/700001 HTTP/1.1\r\nHost: x\r\n\r\n");
  auto chunked = c.ReadResponse();
  EXPECT_NE(ToLower(chunked.head).find("transfer-encoding: chunked"), std::string::npos);
  EXPECT_EQ(chunked.body, Pattern(700001));
}

TEST_F(ServerTest, ContinueIsSentOnlyWhenTheHandlerReads) {
  Client c(port());
  c.Send("POST /hash HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  std::string got = c.ReadUntil("\r\n\r\n");
  EXPECT_EQ(got.rfind("HTTP/1.1 100 Continue", 0), 0u) << got;
  c.Send("hello");
  // The 100 head is still buffered in the client; the final response follows it.
  auto interim = c.ReadResponse();
  EXPECT_EQ(interim.status, 100);
  auto reply = c.ReadResponse();
  EXPECT_EQ(reply.body, Sha256Hex("hello") + " 5");
}

TEST_F(ServerTest, RejectionWithoutReadingSkipsContinueAndCloses) {
  Client c(port());
  c.Send(
      "POST /reject HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n"
      "Expect: 100-continue\r\n\r\n");
  auto reply = c.ReadResponse();
  EXPECT_EQ(reply.status, 403);  // no "100 Continue" first
  EXPECT_EQ(reply.body, "denied");
  // The unread body would be misread as the next request, so the connection closes.
  EXPECT_TRUE(c.PeerClosed());
}

TEST_F(ServerTest, BufferedBodyOverTheLimitIs413) {
  Client c(port());
  c.Send("POST /buffered HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n");
  auto reply = c.ReadResponse();
  EXPECT_EQ(reply.status, 413);
  Client ok(port());
  ok.Send("POST /buffered HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(ok.ReadResponse().body, "3");
}

TEST_F(ServerTest, StalledBodyGetsRequestTimeout) {
  Client c(port());
  c.Send("POST /buffered HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a part");
  auto reply = c.ReadResponse();
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, "RequestTimeout");
}

TEST_F(ServerTest, StalledStreamedBodyReachesTheHandlerAsAnError) {
  Client c(port());
  c.Send("POST /hash HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a part");
  auto reply = c.ReadResponse();
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, "RequestTimeout");
}

TEST_F(ServerTest, InlineAndWorkerRequestsShareAConnection) {
  Client c(port());
  for (int i = 0; i < 20; ++i) {
    c.Send("GET /inline HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(c.ReadResponse().body, "inline");
    c.Send("POST /hash HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx");
    EXPECT_EQ(c.ReadResponse().body, Sha256Hex("x") + " 1");
  }
  // Complete() runs after the response is written, so it may trail the client's read a little.
  for (int i = 0; i < 200 && app_.completed.load() < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(app_.completed.load(), 40);
}

TEST_F(ServerTest, LongRunningWorkDoesNotHoldTheShortWorkPool) {
  // Two long requests are in their handlers (the short pool has one thread); a short request
  // must still be answered before they are released.
  Client long1(port()), long2(port()), quick(port());
  long1.Send("GET /long-wait HTTP/1.1\r\nHost: x\r\n\r\n");
  long2.Send("GET /long-wait HTTP/1.1\r\nHost: x\r\n\r\n");
  for (int i = 0; i < 1000 && app_.waiting.load() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(app_.waiting.load(), 2);
  quick.Send("POST /buffered HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(quick.ReadResponse().body, "3");
  app_.open_gate.set_value();
  EXPECT_EQ(long1.ReadResponse().body, "released");
  EXPECT_EQ(long2.ReadResponse().body, "released");
}

TEST_F(ServerTest, OversizeHeadIs431) {
  Client c(port());
  c.Send("GET /inline HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  auto reply = c.ReadResponse();
  EXPECT_EQ(reply.status, 431);
}

}  // namespace
}  // namespace gureum::http
