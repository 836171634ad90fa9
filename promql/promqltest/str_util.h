// Cat(): string concatenation of string-likes and integers for messages of
// the promqltest runner. (Debian's Abseil has its own string_view, so
// absl::StrCat does not take std::string_view.) Thread-safe, pure.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

namespace ward::promql::promqltest {

namespace internal {
inline void AppendOne(std::string* out, std::string_view s) { out->append(s); }
inline void AppendOne(std::string* out, const char* s) { out->append(s); }
inline void AppendOne(std::string* out, const std::string& s) { out->append(s); }
template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
void AppendOne(std::string* out, T v) {
  out->append(std::to_string(v));
}
}  // namespace internal

template <typename... Args>
std::string Cat(const Args&... args) {
  std::string out;
  (internal::AppendOne(&out, args), ...);
  return out;
}

}  // namespace ward::promql::promqltest
