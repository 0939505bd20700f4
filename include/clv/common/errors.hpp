// Error and cancellation conventions of the core.
//
// The core reports bad input with standard exceptions, which the PostgreSQL
// boundary maps to SQLSTATEs:
//   std::invalid_argument, std::domain_error -> 22023 (invalid parameter value)
//   std::range_error, std::overflow_error    -> 22003 (numeric value out of range)
//   std::bad_alloc                           -> 53200 (out of memory)
//   clv::Cancelled                           -> the pending interrupt (57014, ...)
// Long loops call an InterruptPoll every few thousand iterations; it throws
// clv::Cancelled when the caller wants the work stopped.
#pragma once

#include <functional>
#include <stdexcept>

namespace clv {

// Thrown by an InterruptPoll when the query is cancelled or the backend must die.
class Cancelled : public std::exception {
 public:
  const char* what() const noexcept override { return "cancelled"; }
};

// Polled by long-running core loops; throws Cancelled to stop them.
using InterruptPoll = std::function<void()>;

// Runs poll every `every` calls of tick(); cheap enough for inner loops.
class InterruptTicker {
 public:
  explicit InterruptTicker(const InterruptPoll& poll, unsigned every = 4096)
      : poll_(poll), every_(every) {}
  void tick() {
    if (++count_ >= every_) {
      count_ = 0;
      if (poll_) poll_();
    }
  }

 private:
  const InterruptPoll& poll_;
  unsigned every_;
  unsigned count_ = 0;
};

}  // namespace clv
