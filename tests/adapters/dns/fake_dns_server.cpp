#include "fake_dns_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <random>
#include <stdexcept>

namespace xmpp::dns::test {

namespace {

constexpr std::uint16_t kTypeA = 1;
constexpr std::uint16_t kTypeSrv = 33;
constexpr std::uint16_t kTypeAaaa = 28;
constexpr std::uint16_t kClassIn = 1;
constexpr std::uint8_t kNoError = 0;
constexpr std::uint8_t kServFail = 2;
constexpr std::uint8_t kNxDomain = 3;

void put16(std::vector<std::uint8_t>& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

void put_name(std::vector<std::uint8_t>& out, const std::string& name) {
  std::size_t start = 0;
  while (start < name.size()) {
    const std::size_t dot = std::min(name.find('.', start), name.size());
    out.push_back(static_cast<std::uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
               name.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  out.push_back(0);
}

struct Question {
  std::string name;  // lower case, no trailing dot
  std::uint16_t type = 0;
  std::size_t end = 0;  // offset just past the question
};

// RFC 1035 §4.1.2: QNAME as labels (no compression in a query), QTYPE, QCLASS.
std::optional<Question> read_question(const std::vector<std::uint8_t>& q) {
  if (q.size() < 12 || q[4] != 0 || q[5] != 1) return std::nullopt;
  Question out;
  std::size_t at = 12;
  while (at < q.size() && q[at] != 0) {
    const std::size_t length = q[at];
    if (length > 63 || at + 1 + length > q.size()) return std::nullopt;
    if (!out.name.empty()) out.name += '.';
    for (std::size_t i = 0; i < length; ++i) {
      out.name += static_cast<char>(std::tolower(q[at + 1 + i]));
    }
    at += 1 + length;
  }
  if (at + 5 > q.size()) return std::nullopt;
  out.type = static_cast<std::uint16_t>((q[at + 1] << 8) | q[at + 2]);
  out.end = at + 5;
  return out;
}

struct Record {
  std::uint16_t type;
  std::vector<std::uint8_t> data;
};

Record srv(std::uint16_t priority, std::uint16_t weight, std::uint16_t port,
           const std::string& target) {
  Record r{kTypeSrv, {}};
  put16(r.data, priority);
  put16(r.data, weight);
  put16(r.data, port);
  put_name(r.data, target);
  return r;
}

Record address_record(int family, const char* text) {
  Record r{family == AF_INET ? kTypeA : kTypeAaaa, {}};
  std::uint8_t bytes[16] = {};
  if (inet_pton(family, text, bytes) != 1) throw std::logic_error("bad test address");
  r.data.assign(bytes, bytes + (family == AF_INET ? 4 : 16));
  return r;
}

std::string type_name(std::uint16_t type) {
  switch (type) {
    case kTypeA:
      return "A";
    case kTypeAaaa:
      return "AAAA";
    case kTypeSrv:
      return "SRV";
    default:
      return std::to_string(type);
  }
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

FakeDnsServer::FakeDnsServer() {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  in.sin_port = 0;
  socklen_t length = sizeof in;
  if (bind(fd_, reinterpret_cast<sockaddr*>(&in), sizeof in) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&in), &length) != 0) {
    close(fd_);
    throw std::runtime_error("bind() failed");
  }
  port_ = ntohs(in.sin_port);
  thread_ = std::thread([this] { serve(); });
}

FakeDnsServer::~FakeDnsServer() {
  stop_ = true;
  thread_.join();
  close(fd_);
}

std::string FakeDnsServer::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::vector<std::string> FakeDnsServer::questions() const {
  const std::lock_guard lock(mutex_);
  return questions_;
}

void FakeDnsServer::serve() {
  std::vector<std::uint8_t> buffer(4096);
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 20) <= 0) continue;
    sockaddr_storage from{};
    socklen_t from_length = sizeof from;
    const ssize_t n = recvfrom(fd_, buffer.data(), buffer.size(), 0,
                               reinterpret_cast<sockaddr*>(&from), &from_length);
    if (n <= 0) continue;
    const std::vector<std::uint8_t> query(buffer.begin(), buffer.begin() + n);
    const std::vector<std::uint8_t> reply = answer(query);
    if (!reply.empty()) {
      sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_length);
    }
  }
}

std::vector<std::uint8_t> FakeDnsServer::answer(const std::vector<std::uint8_t>& query) {
  const std::optional<Question> q = read_question(query);
  if (!q) return {};
  {
    const std::lock_guard lock(mutex_);
    questions_.push_back(q->name + " " + type_name(q->type));
  }
  if (q->name == "silent.test" || ends_with(q->name, ".silent.test")) return {};

  std::vector<std::uint8_t> out(query.begin(), query.begin() + static_cast<std::ptrdiff_t>(q->end));
  // Header (RFC 1035 §4.1.1): the query's ID and RD, QR and AA set, one question.
  out[2] = static_cast<std::uint8_t>(0x84 | (query[2] & 0x01));
  out[3] = 0;
  for (std::size_t i = 6; i < 12; ++i)
    out[i] = 0;

  if (q->name == "fuzz.test") {
    std::mt19937 rng(fuzz_seed_++);
    out[2] = static_cast<std::uint8_t>(0x80 | (rng() & 0x7f));
    out[3] = static_cast<std::uint8_t>(rng());
    for (std::size_t i = 6; i < 12; ++i)
      out[i] = static_cast<std::uint8_t>(rng() % 3 == 0 ? rng() : rng() % 4);
    const std::size_t tail = rng() % 120;
    for (std::size_t i = 0; i < tail; ++i) {
      // Mostly small values and compression pointers, which reach the parser's corners.
      const std::uint32_t pick = rng() % 4;
      out.push_back(static_cast<std::uint8_t>(pick == 0   ? 0xc0 | (rng() & 0x3f)
                                              : pick == 1 ? rng()
                                                          : rng() % 16));
    }
    return out;
  }

  std::uint8_t rcode = kNoError;
  std::vector<Record> records;
  bool cut_short = false;
  if (q->type == kTypeSrv && q->name == "_xmpp-client._tcp.example.test") {
    records = {srv(10, 0, 5269, "xmpp2.example.test"), srv(10, 5, 5222, "xmpp1.example.test")};
  } else if (q->type == kTypeSrv && q->name == "_xmpps-client._tcp.example.test") {
    records = {srv(0, 0, 5223, "xmpp1.example.test")};
  } else if (q->type == kTypeSrv && q->name == "_xmpp-client._tcp.none.test") {
    records = {srv(0, 0, 0, "")};  // the root name: one zero octet
  } else if (q->name == "_xmpp-client._tcp.empty.test") {
  } else if (q->name == "_xmpp-client._tcp.broken.test") {
    rcode = kServFail;
  } else if (q->type == kTypeSrv && q->name == "_xmpp-client._tcp.garbage.test") {
    records = {srv(1, 1, 5222, "cut.example.test")};
    cut_short = true;
  } else if (q->name == "xmpp1.example.test") {
    if (q->type == kTypeA) records = {address_record(AF_INET, "192.0.2.1")};
    if (q->type == kTypeAaaa) records = {address_record(AF_INET6, "2001:db8::1")};
  } else if (q->name == "xmpp2.example.test") {
    if (q->type == kTypeA) records = {address_record(AF_INET, "192.0.2.2")};
  } else {
    rcode = kNxDomain;
  }
  out[3] = rcode;
  out[7] = static_cast<std::uint8_t>(records.size());  // ANCOUNT
  for (const Record& r : records) {
    put16(out, 0xc00c);  // the name: a pointer to the question's (RFC 1035 §4.1.4)
    put16(out, r.type);
    put16(out, kClassIn);
    put16(out, 0);
    put16(out, 60);  // TTL
    put16(out, static_cast<std::uint32_t>(r.data.size()));
    out.insert(out.end(), r.data.begin(), r.data.end());
  }
  // RDLENGTH promises more than the message holds. (erase, not resize: GCC's sanitizer build
  // warns that a resize to size() - 7 could grow the vector.)
  if (cut_short) out.erase(out.end() - 7, out.end());
  return out;
}

}  // namespace xmpp::dns::test
