#include "web/request.h"

#include <strings.h>

namespace ward::web {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view Find(const Params& ps, std::string_view key) {
  for (const auto& [k, v] : ps) {
    if (k == key) return v;
  }
  return {};
}

}  // namespace

std::string_view Request::FormValue(std::string_view key) const {
  for (const auto& [k, v] : query) {
    if (k == key) return v;
  }
  return Find(form, key);
}

std::vector<std::string_view> Request::FormValues(std::string_view key) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : query) {
    if (k == key) out.push_back(v);
  }
  for (const auto& [k, v] : form) {
    if (k == key) out.push_back(v);
  }
  return out;
}

bool Request::HasFormValue(std::string_view key) const {
  for (const auto& p : query) {
    if (p.first == key) return true;
  }
  for (const auto& p : form) {
    if (p.first == key) return true;
  }
  return false;
}

std::string_view Request::QueryValue(std::string_view key) const { return Find(query, key); }
std::string_view Request::PathParam(std::string_view name) const { return Find(path_params, name); }

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return {};
}

void Response::SetHeader(std::string_view name, std::string_view value) {
  for (auto it = headers.begin(); it != headers.end();) {
    if (EqualsIgnoreCase(it->first, name)) {
      it = headers.erase(it);
    } else {
      ++it;
    }
  }
  headers.emplace_back(std::string(name), std::string(value));
}

std::string_view Response::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return {};
}

void Response::Text(int code, std::string_view text) {
  status = code;
  SetContentType("text/plain; charset=utf-8");
  body.assign(text);
}

Status PercentDecode(std::string_view s, bool plus_as_space, std::string* out) {
  out->clear();
  out->reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) {
        return Status::InvalidArgument("invalid URL escape \"" + std::string(s.substr(i)) + "\"");
      }
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) {
        return Status::InvalidArgument("invalid URL escape \"" + std::string(s.substr(i, 3)) + "\"");
      }
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return Status::OK();
}

Status ParseQuery(std::string_view s, Params* out) {
  Status first_error;
  while (!s.empty()) {
    size_t amp = s.find('&');
    std::string_view part = s.substr(0, amp);
    s = amp == std::string_view::npos ? std::string_view() : s.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string key, value;
    Status st = PercentDecode(part.substr(0, eq), true, &key);
    if (st.ok() && eq != std::string_view::npos) st = PercentDecode(part.substr(eq + 1), true, &value);
    if (!st.ok()) {
      // Like Go: skip the bad pair, keep parsing, report the first error.
      if (first_error.ok()) first_error = std::move(st);
      continue;
    }
    out->emplace_back(std::move(key), std::move(value));
  }
  return first_error;
}

std::string QueryEscape(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace ward::web
