// Result<T>: a value or an error Status (like absl::StatusOr). [[nodiscard]].
// Thread-compatible value type.
#pragma once

#include <cassert>
#include <optional>
#include <utility>

#include "util/status.h"

namespace ward {

template <typename T>
class [[nodiscard]] Result {
 public:
  // REQUIRES: !status.ok()
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }
  Result(const T& v) : value_(v) {}
  Result(T&& v) : value_(std::move(v)) {}
  template <typename U,
            typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                        !std::is_same_v<std::decay_t<U>, Status> &&
                                        !std::is_same_v<std::decay_t<U>, T> &&
                                        !std::is_same_v<std::decay_t<U>, Result<T>>>>
  Result(U&& v) : value_(T(std::forward<U>(v))) {}

  bool ok() const { return status_.ok(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  // REQUIRES: ok()
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

  T value_or(T def) const& { return ok() ? *value_ : std::move(def); }
  void IgnoreError() const {}

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace ward

// Evaluates `rexpr` (a Result<T>); on error returns its Status from the
// enclosing function, otherwise moves the value into `lhs` (a declaration).
#define WARD_ASSIGN_OR_RETURN(lhs, rexpr) \
  WARD_ASSIGN_OR_RETURN_IMPL(WARD_STATUS_CONCAT(_ward_res_, __LINE__), lhs, rexpr)
#define WARD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                               \
  if (!tmp.ok()) return std::move(tmp).status();    \
  lhs = std::move(tmp).value()
