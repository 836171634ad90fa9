#include "cmd/wardtool/selector.h"

#include <cctype>
#include <string>

#include "model/labels/labels.h"

namespace ward::wardtool {

namespace {

bool IsNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<std::vector<labels::Matcher>> Parse() {
    std::vector<labels::Matcher> out;
    SkipSpace();
    if (pos_ < s_.size() && IsNameStart(s_[pos_])) {
      std::string name = Name();
      WARD_ASSIGN_OR_RETURN(labels::Matcher m, labels::Matcher::Make(labels::MatchType::kEqual,
                                                                     labels::kMetricName, name));
      out.push_back(std::move(m));
      SkipSpace();
    }
    if (pos_ < s_.size() && s_[pos_] == '{') {
      ++pos_;
      SkipSpace();
      while (pos_ < s_.size() && s_[pos_] != '}') {
        if (!IsNameStart(s_[pos_])) return Err("expected label name");
        std::string name = Name();
        SkipSpace();
        labels::MatchType type;
        if (Consume("=~")) {
          type = labels::MatchType::kRegexMatch;
        } else if (Consume("!~")) {
          type = labels::MatchType::kRegexNoMatch;
        } else if (Consume("!=")) {
          type = labels::MatchType::kNotEqual;
        } else if (Consume("=")) {
          type = labels::MatchType::kEqual;
        } else {
          return Err("expected one of = != =~ !~");
        }
        SkipSpace();
        WARD_ASSIGN_OR_RETURN(std::string value, Quoted());
        WARD_ASSIGN_OR_RETURN(labels::Matcher m, labels::Matcher::Make(type, name, value));
        out.push_back(std::move(m));
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          SkipSpace();
        } else if (pos_ < s_.size() && s_[pos_] != '}') {
          return Err("expected , or }");
        }
      }
      if (pos_ >= s_.size()) return Err("unterminated {");
      ++pos_;
      SkipSpace();
    }
    if (pos_ != s_.size()) return Err("unexpected character");
    if (out.empty()) return Err("empty selector");
    return out;
  }

 private:
  Status Err(std::string_view what) const {
    return Status::InvalidArgument("parse selector at position " + std::to_string(pos_) + ": " +
                                   std::string(what));
  }
  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Consume(std::string_view tok) {
    if (s_.substr(pos_, tok.size()) != tok) return false;
    pos_ += tok.size();
    return true;
  }
  std::string Name() {
    size_t start = pos_;
    while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }
  Result<std::string> Quoted() {
    if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\''))
      return Err("expected quoted string");
    char q = s_[pos_++];
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != q) {
      char c = s_[pos_++];
      if (c == '\\') {
        if (pos_ >= s_.size()) break;
        char e = s_[pos_++];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case '\\':
          case '"':
          case '\'':
            out += e;
            break;
          default:
            return Err("unsupported escape");
        }
      } else {
        out += c;
      }
    }
    if (pos_ >= s_.size()) return Err("unterminated string");
    ++pos_;
    return out;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<labels::Matcher>> ParseSelector(std::string_view s) { return Parser(s).Parse(); }

}  // namespace ward::wardtool
