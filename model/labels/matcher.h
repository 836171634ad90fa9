// Matcher: one label matcher of a selector (`=`, `!=`, `=~`, `!~`). Regex
// matchers use RE2 and are fully anchored, as Prometheus's are. Immutable
// after construction; safe to share between threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "util/result.h"

namespace re2 {
class RE2;
}

namespace ward::labels {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

class Matcher {
 public:
  // Fails with InvalidArgument when a regex does not compile.
  static Result<Matcher> Make(MatchType type, std::string_view name, std::string_view value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  bool Matches(std::string_view v) const;
  // True when the matcher accepts the empty string (i.e. matches series
  // that lack the label).
  bool MatchesEmpty() const { return Matches(""); }

  // name="value" / name!~"regex" ...
  std::string ToString() const;

 private:
  Matcher() = default;
  MatchType type_ = MatchType::kEqual;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;  // shared: copies of a matcher share one program
};

}  // namespace ward::labels
