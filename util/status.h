// Status: the result of an operation that can fail for reasons outside the
// code's control (I/O, bad input, corruption). Modeled on LevelDB's Status:
// an OK status holds no allocation; an error carries a code, an optional
// subcode (append rejections) and a message. Thread-compatible value type.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace ward {

// Codes map onto the Prometheus API's errorType (see ErrorTypeName).
enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,  // bad_data: bad config, bad query, bad request parameter
  kNotFound,         // not_found
  kCorruption,       // bad bytes read from disk or network
  kIOError,          // the OS refused a read, write, fsync, mmap ...
  kUnavailable,      // unavailable: not ready, shutting down, peer down
  kTimeout,          // timeout
  kCanceled,         // canceled
  kExecution,        // execution: a query failed while running
  kInternal,         // internal: a bug
  kRejected,         // an append was refused; see StatusSubcode
};

// Why an append was rejected. Scrape loops count each kind separately.
enum class StatusSubcode : uint8_t {
  kNone = 0,
  kOutOfOrder,      // older than the series' newest sample
  kOutOfBounds,     // older than the head's minimum valid time
  kTooOldSample,    // beyond the out-of-order window
  kDuplicate,       // same timestamp, different value
  kLimitExceeded,   // sample_limit, label_limit, ...
  kWriteDisabled,   // the head stopped accepting writes (failed fsync)
};

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(const Status& o) : rep_(o.rep_ ? std::make_unique<Rep>(*o.rep_) : nullptr) {}
  Status& operator=(const Status& o) {
    if (this != &o) rep_ = o.rep_ ? std::make_unique<Rep>(*o.rep_) : nullptr;
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string_view msg) { return Status(StatusCode::kInvalidArgument, msg); }
  static Status NotFound(std::string_view msg) { return Status(StatusCode::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(StatusCode::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(StatusCode::kIOError, msg); }
  static Status Unavailable(std::string_view msg) { return Status(StatusCode::kUnavailable, msg); }
  static Status Timeout(std::string_view msg) { return Status(StatusCode::kTimeout, msg); }
  static Status Canceled(std::string_view msg) { return Status(StatusCode::kCanceled, msg); }
  static Status Execution(std::string_view msg) { return Status(StatusCode::kExecution, msg); }
  static Status Internal(std::string_view msg) { return Status(StatusCode::kInternal, msg); }
  static Status Rejected(StatusSubcode sub, std::string_view msg) {
    Status s(StatusCode::kRejected, msg);
    s.rep_->subcode = sub;
    return s;
  }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  StatusSubcode subcode() const { return rep_ ? rep_->subcode : StatusSubcode::kNone; }
  // The message alone, without the code name. Empty for OK.
  std::string_view message() const { return rep_ ? std::string_view(rep_->msg) : std::string_view(); }

  bool IsInvalidArgument() const { return code() == StatusCode::kInvalidArgument; }
  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsCorruption() const { return code() == StatusCode::kCorruption; }
  bool IsIOError() const { return code() == StatusCode::kIOError; }
  bool IsRejected() const { return code() == StatusCode::kRejected; }

  // "OK" or the message (codes are for programs; people read the message).
  std::string ToString() const { return rep_ ? rep_->msg : std::string("OK"); }

  // Returns a copy whose message is "context: message". OK stays OK.
  Status WithContext(std::string_view context) const {
    if (ok()) return Status();
    Status s(*this);
    s.rep_->msg = std::string(context) + ": " + rep_->msg;
    return s;
  }

  // Drops an error on purpose. Callers say why in a comment next to the call.
  void IgnoreError() const {}

 private:
  struct Rep {
    StatusCode code;
    StatusSubcode subcode = StatusSubcode::kNone;
    std::string msg;
  };
  Status(StatusCode code, std::string_view msg)
      : rep_(std::make_unique<Rep>(Rep{code, StatusSubcode::kNone, std::string(msg)})) {}

  std::unique_ptr<Rep> rep_;
};

// The Prometheus API errorType for a code: bad_data, not_found, timeout, ...
std::string_view ErrorTypeName(StatusCode code);

}  // namespace ward

#define WARD_STATUS_CONCAT_INNER(a, b) a##b
#define WARD_STATUS_CONCAT(a, b) WARD_STATUS_CONCAT_INNER(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define WARD_RETURN_IF_ERROR(expr)                 \
  do {                                             \
    ::ward::Status _ward_st = (expr);              \
    if (!_ward_st.ok()) return _ward_st;           \
  } while (0)
