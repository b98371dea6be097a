#include "resolver_driver.hpp"

#include <utility>

namespace xmpp::asio_adapter::detail {

namespace {

/// How long the timer sleeps at most while lookups run, so that a socket c-ares replaced under
/// the same descriptor number is noticed (see sync()).
constexpr std::chrono::milliseconds kMaxWait{500};

}  // namespace

ResolverDriver::ResolverDriver(const Strand& strand, std::unique_ptr<dns::Resolver> resolver)
    : strand_(strand), resolver_(std::move(resolver)), timer_(strand) {}

ResolverDriver::~ResolverDriver() {
  release_all();
}

void ResolverDriver::release_all() {
  ++generation_;
  for (Watch& w : watches_) {
    // The descriptor is c-ares': release() deregisters it from Asio's reactor (cancelling the
    // wait) without closing it.
    w.descriptor->release();
  }
  watches_.clear();
}

void ResolverDriver::shutdown() {
  release_all();
  timer_.cancel();
  resolver_.reset();
}

void ResolverDriver::sync() {
  // Rebuilt from scratch every time (a handful of sockets, only while lookups run): c-ares may
  // have closed a socket and opened another with the same number inside process(), which an
  // incremental update could not tell apart.
  release_all();
  timer_.cancel();
  if (!resolver_ || !resolver_->busy()) return;
  const std::uint64_t generation = generation_;
  auto self = shared_from_this();
  for (const dns::Resolver::Socket& s : resolver_->sockets()) {
    Watch w;
    w.descriptor = std::make_unique<::asio::posix::stream_descriptor>(strand_, s.fd);
    const int fd = s.fd;
    if (s.want_read) {
      w.descriptor->async_wait(::asio::posix::stream_descriptor::wait_read,
                               [self, generation, fd](const std::error_code& ec) {
                                 if (!ec) self->on_ready(generation, fd, true, false);
                               });
    }
    if (s.want_write) {
      w.descriptor->async_wait(::asio::posix::stream_descriptor::wait_write,
                               [self, generation, fd](const std::error_code& ec) {
                                 if (!ec) self->on_ready(generation, fd, false, true);
                               });
    }
    watches_.push_back(std::move(w));
  }
  timer_.expires_after(resolver_->next_timeout(kMaxWait));
  timer_.async_wait([self, generation](const std::error_code& ec) {
    if (!ec) self->on_timer(generation);
  });
}

void ResolverDriver::on_ready(std::uint64_t generation, int fd, bool readable, bool writable) {
  if (generation != generation_ || !resolver_) return;
  resolver_->process(fd, readable, writable);  // may run resolution callbacks
  if (resolver_) sync();
}

void ResolverDriver::on_timer(std::uint64_t generation) {
  if (generation != generation_ || !resolver_) return;
  resolver_->process_timeouts();  // delivers queued results, expires lookups
  if (resolver_) sync();
}

}  // namespace xmpp::asio_adapter::detail
