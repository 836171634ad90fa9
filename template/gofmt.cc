// Go fmt/strconv formatting for template values. Written from the behaviour
// described in Go's fmt and strconv documentation.
#include "template/gofmt.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "util/gostr.h"

namespace ward::tmpl::gofmt {
namespace {

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    int w;
    DecodeRune(s, i, &w);
    i += w;
    ++n;
  }
  return n;
}

// Truncates s to at most n runes.
std::string_view TruncateRunes(std::string_view s, size_t n) {
  size_t i = 0;
  for (size_t k = 0; k < n && i < s.size(); ++k) {
    int w;
    DecodeRune(s, i, &w);
    i += w;
  }
  return s.substr(0, i);
}

struct Spec {
  bool plus = false, minus = false, sharp = false, space = false, zero = false;
  bool has_width = false, has_prec = false;
  int width = 0, prec = 0;
};

void Pad(std::string* out, std::string_view s, const Spec& sp, bool zero_ok = false) {
  size_t n = RuneCount(s);
  if (!sp.has_width || static_cast<size_t>(sp.width) <= n) {
    out->append(s);
    return;
  }
  size_t pad = sp.width - n;
  if (sp.minus) {
    out->append(s);
    out->append(pad, ' ');
  } else if (sp.zero && zero_ok) {
    // Sign (and base prefix) before the zeros.
    size_t lead = 0;
    if (!s.empty() && (s[0] == '+' || s[0] == '-' || s[0] == ' ')) lead = 1;
    out->append(s.substr(0, lead));
    out->append(pad, '0');
    out->append(s.substr(lead));
  } else {
    out->append(pad, ' ');
    out->append(s);
  }
}

void AppendQuoteRune(std::string* out, int32_t r) {
  gostr::AppendGoQuotedRune(out, r, gostr::GoPrintable::kWide);
}

// Integer formatting with Go's flags (sign, #, precision, zero padding).
void FormatInt(std::string* out, int64_t v, char verb, const Spec& sp) {
  int base = 10;
  const char* digits = kHexLower;
  std::string prefix;
  switch (verb) {
    case 'd':
    case 'v':
      base = 10;
      break;
    case 'b':
      base = 2;
      if (sp.sharp) prefix = "0b";
      break;
    case 'o':
      base = 8;
      if (sp.sharp) prefix = "0";
      break;
    case 'O':
      base = 8;
      prefix = "0o";
      break;
    case 'x':
      base = 16;
      if (sp.sharp) prefix = "0x";
      break;
    case 'X':
      base = 16;
      digits = kHexUpper;
      if (sp.sharp) prefix = "0X";
      break;
  }
  bool neg = v < 0;
  uint64_t u = neg ? (~static_cast<uint64_t>(v) + 1) : static_cast<uint64_t>(v);
  std::string num;
  if (!(sp.has_prec && sp.prec == 0 && u == 0)) {
    char buf[72];
    int p = sizeof(buf);
    do {
      buf[--p] = digits[u % base];
      u /= base;
    } while (u != 0);
    num.assign(buf + p, sizeof(buf) - p);
  }
  if (sp.has_prec && static_cast<int>(num.size()) < sp.prec)
    num.insert(0, sp.prec - num.size(), '0');
  if (verb == 'o' && sp.sharp && !num.empty() && num[0] == '0') prefix.clear();
  std::string s;
  if (neg)
    s.push_back('-');
  else if (sp.plus)
    s.push_back('+');
  else if (sp.space)
    s.push_back(' ');
  s += prefix;
  if (sp.zero && sp.has_width && !sp.minus && !sp.has_prec &&
      static_cast<int>(s.size() + num.size()) < sp.width) {
    s.append(sp.width - s.size() - num.size(), '0');
  }
  s += num;
  Pad(out, s, sp);
}

void FormatFloatSpec(std::string* out, double f, char verb, const Spec& sp) {
  std::string num;
  if (std::isinf(f) || std::isnan(f)) {
    if (std::isnan(f)) {
      num = sp.plus ? "+NaN" : sp.space ? " NaN" : "NaN";
    } else {
      num = f > 0 ? (sp.space && !sp.plus ? " Inf" : "+Inf") : "-Inf";
    }
    Spec nz = sp;
    nz.zero = false;
    Pad(out, num, nz);
    return;
  }
  if (verb == 'v') verb = 'g';
  if (verb == 'F') verb = 'f';
  if (!sp.has_prec && (verb == 'g' || verb == 'G')) {
    AppendFloatShortest(&num, f);
    if (verb == 'G') {
      for (char& c : num)
        if (c == 'e') c = 'E';
    }
  } else {
    int prec = sp.has_prec ? sp.prec : 6;
    char fmtbuf[16];
    snprintf(fmtbuf, sizeof(fmtbuf), "%%%s.*%c", sp.sharp ? "#" : "", verb);
    char buf[512];
    int n = snprintf(buf, sizeof(buf), fmtbuf, prec > 300 ? 300 : prec, f);
    num.assign(buf, n < 0 ? 0 : std::min<int>(n, sizeof(buf) - 1));
  }
  if (num[0] != '-') {
    if (sp.plus)
      num.insert(0, 1, '+');
    else if (sp.space)
      num.insert(0, 1, ' ');
  }
  Pad(out, num, sp, /*zero_ok=*/true);
}

void AppendValueVerb(std::string* out, const Value& v, char verb, const Spec& sp, int depth);

void BadVerb(std::string* out, const Value& v, char verb) {
  out->append("%!");
  AppendRune(out, static_cast<unsigned char>(verb));
  out->push_back('(');
  if (v.is_nil()) {
    out->append("<nil>");
  } else {
    out->append(v.TypeName());
    out->push_back('=');
    AppendValue(out, v);
  }
  out->push_back(')');
}

void FormatString(std::string* out, std::string_view s, char verb, const Spec& sp) {
  switch (verb) {
    case 'v':
    case 's':
      Pad(out, sp.has_prec ? TruncateRunes(s, sp.prec) : s, sp);
      return;
    case 'q': {
      std::string q;
      std::string_view src = sp.has_prec ? TruncateRunes(s, sp.prec) : s;
      if (sp.sharp && CanBackquote(src)) {
        q.push_back('`');
        q.append(src);
        q.push_back('`');
      } else {
        AppendQuote(&q, src);
      }
      Pad(out, q, sp);
      return;
    }
    case 'x':
    case 'X': {
      const char* d = verb == 'x' ? kHexLower : kHexUpper;
      std::string h;
      size_t n = s.size();
      if (sp.has_prec && static_cast<size_t>(sp.prec) < n) n = sp.prec;
      for (size_t i = 0; i < n; ++i) {
        if (sp.space && i > 0) h.push_back(' ');
        if (sp.sharp && (sp.space || i == 0)) h.append(verb == 'x' ? "0x" : "0X");
        unsigned char c = s[i];
        h.push_back(d[c >> 4]);
        h.push_back(d[c & 0xf]);
      }
      Pad(out, h, sp);
      return;
    }
  }
  BadVerb(out, Value::String(std::string(s)), verb);
}

void AppendValueVerb(std::string* out, const Value& v, char verb, const Spec& sp, int depth) {
  if (verb == 'T') {
    Pad(out, v.is_nil() ? "<nil>" : v.TypeName(), sp);
    return;
  }
  switch (v.kind()) {
    case Value::Kind::kNil:
      if (verb == 'v') {
        Pad(out, "<nil>", sp);
      } else {
        BadVerb(out, v, verb);
      }
      return;
    case Value::Kind::kBool:
      if (verb == 'v' || verb == 't') {
        Pad(out, v.bool_value() ? "true" : "false", sp);
      } else {
        BadVerb(out, v, verb);
      }
      return;
    case Value::Kind::kInt: {
      int64_t i = v.int_value();
      switch (verb) {
        case 'v':
        case 'd':
        case 'b':
        case 'o':
        case 'O':
        case 'x':
        case 'X':
          FormatInt(out, i, verb, sp);
          return;
        case 'c': {
          std::string s;
          AppendRune(&s, (i < 0 || i > 0x10ffff) ? 0xfffd : static_cast<int32_t>(i));
          Pad(out, s, sp);
          return;
        }
        case 'q': {
          std::string s;
          AppendQuoteRune(&s, (i < 0 || i > 0x10ffff) ? 0xfffd : static_cast<int32_t>(i));
          Pad(out, s, sp);
          return;
        }
        case 'U': {
          char buf[32];
          snprintf(buf, sizeof(buf), "U+%04llX", static_cast<unsigned long long>(i));
          std::string s = buf;
          if (sp.sharp && i >= 0 && i <= 0x10ffff && IsPrintRune(static_cast<int32_t>(i))) {
            s += " '";
            AppendRune(&s, static_cast<int32_t>(i));
            s += "'";
          }
          Pad(out, s, sp);
          return;
        }
      }
      BadVerb(out, v, verb);
      return;
    }
    case Value::Kind::kFloat:
      switch (verb) {
        case 'v':
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
          FormatFloatSpec(out, v.float_value(), verb, sp);
          return;
      }
      BadVerb(out, v, verb);
      return;
    case Value::Kind::kString:
      FormatString(out, v.string_value(), verb, sp);
      return;
    case Value::Kind::kTime:
    case Value::Kind::kDuration: {
      // Both implement fmt.Stringer.
      std::string s = v.kind() == Value::Kind::kTime ? TimeString(v.time_value())
                                                     : DurationString(v.duration_value().ns);
      if (verb == 'v' || verb == 's' || verb == 'q' || verb == 'x' || verb == 'X') {
        FormatString(out, s, verb, sp);
      } else {
        BadVerb(out, v, verb);
      }
      return;
    }
    case Value::Kind::kMap: {
      Spec inner = sp;
      inner.has_width = false;
      std::string s = "map[";
      bool first = true;
      for (const auto& [k, e] : v.map().items) {
        if (!first) s.push_back(' ');
        first = false;
        FormatString(&s, k, verb, inner);
        s.push_back(':');
        AppendValueVerb(&s, e, verb, inner, depth + 1);
      }
      s.push_back(']');
      Pad(out, s, sp);
      return;
    }
    case Value::Kind::kList: {
      Spec inner = sp;
      inner.has_width = false;
      std::string s = "[";
      bool first = true;
      for (const Value& e : v.list().items) {
        if (!first) s.push_back(' ');
        first = false;
        AppendValueVerb(&s, e, verb, inner, depth + 1);
      }
      s.push_back(']');
      Pad(out, s, sp);
      return;
    }
    case Value::Kind::kStruct: {
      const StructData& sd = v.struct_data();
      std::string s;
      if (sd.pointer && depth > 0) {
        // fmt prints nested pointers as addresses.
        char buf[32];
        snprintf(buf, sizeof(buf), "%p", static_cast<const void*>(&sd));
        s = buf;
        Pad(out, s, sp);
        return;
      }
      Spec inner = sp;
      inner.has_width = false;
      if (sd.pointer) s.push_back('&');
      s.push_back('{');
      bool first = true;
      for (const auto& [name, e] : sd.fields) {
        if (!first) s.push_back(' ');
        first = false;
        if (sp.plus) {
          s += name;
          s.push_back(':');
        }
        AppendValueVerb(&s, e, verb, inner, depth + 1);
      }
      s.push_back('}');
      Pad(out, s, sp);
      return;
    }
  }
}

}  // namespace

std::string FormatFloat(double f, char verb, int prec) {
  Spec sp;
  sp.has_prec = true;
  sp.prec = prec;
  std::string out;
  FormatFloatSpec(&out, f, verb, sp);
  return out;
}

void AppendValue(std::string* out, const Value& v) {
  Spec sp;
  AppendValueVerb(out, v, 'v', sp, 0);
}

void AppendPrintable(std::string* out, const Value& v) {
  Spec sp;
  // Depth -1 marks "top level, dereferenced": the struct prints without '&'.
  if (v.kind() == Value::Kind::kStruct && v.struct_data().pointer) {
    std::string s;
    AppendValueVerb(&s, v, 'v', sp, 0);
    out->append(s.substr(1));
    return;
  }
  AppendValueVerb(out, v, 'v', sp, 0);
}

std::string Sprint(std::span<const Value> args) {
  std::string out;
  bool prev_string = false;
  for (size_t i = 0; i < args.size(); ++i) {
    bool is_string = args[i].kind() == Value::Kind::kString;
    // Spaces between operands when neither is a string.
    if (i > 0 && !is_string && !prev_string) out.push_back(' ');
    AppendValue(&out, args[i]);
    prev_string = is_string;
  }
  return out;
}

std::string Sprintln(std::span<const Value> args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out.push_back(' ');
    AppendValue(&out, args[i]);
  }
  out.push_back('\n');
  return out;
}

std::string Sprintf(std::string_view format, std::span<const Value> args) {
  std::string out;
  size_t argi = 0;
  size_t i = 0;
  const size_t n = format.size();
  while (i < n) {
    size_t pct = format.find('%', i);
    if (pct == std::string_view::npos) {
      out.append(format.substr(i));
      break;
    }
    out.append(format.substr(i, pct - i));
    i = pct + 1;
    Spec sp;
    // Flags.
    for (; i < n; ++i) {
      char c = format[i];
      if (c == '+')
        sp.plus = true;
      else if (c == '-')
        sp.minus = true;
      else if (c == '#')
        sp.sharp = true;
      else if (c == ' ')
        sp.space = true;
      else if (c == '0')
        sp.zero = true;
      else
        break;
    }
    auto read_num = [&](int* dst) {
      bool any = false;
      int v = 0;
      while (i < n && format[i] >= '0' && format[i] <= '9') {
        if (v < 1000000) v = v * 10 + (format[i] - '0');
        any = true;
        ++i;
      }
      *dst = v;
      return any;
    };
    // Width.
    if (i < n && format[i] == '*') {
      ++i;
      if (argi < args.size() && args[argi].kind() == Value::Kind::kInt) {
        int64_t w = args[argi++].int_value();
        if (w < 0) {
          sp.minus = true;
          w = -w;
        }
        sp.has_width = w <= 1000000;
        sp.width = static_cast<int>(sp.has_width ? w : 0);
        if (!sp.has_width) out.append("%!(BADWIDTH)");
      } else {
        if (argi < args.size()) ++argi;
        out.append("%!(BADWIDTH)");
      }
    } else {
      sp.has_width = read_num(&sp.width);
    }
    // Precision.
    if (i < n && format[i] == '.') {
      ++i;
      if (i < n && format[i] == '*') {
        ++i;
        if (argi < args.size() && args[argi].kind() == Value::Kind::kInt &&
            args[argi].int_value() >= 0 && args[argi].int_value() <= 1000000) {
          sp.has_prec = true;
          sp.prec = static_cast<int>(args[argi++].int_value());
        } else {
          if (argi < args.size()) ++argi;
          out.append("%!(BADPREC)");
        }
      } else {
        read_num(&sp.prec);
        sp.has_prec = true;
      }
    }
    if (!sp.minus && sp.zero) {
      // ok
    } else {
      sp.zero = sp.zero && !sp.minus;
    }
    if (i >= n) {
      out.append("%!(NOVERB)");
      break;
    }
    int w;
    int32_t verb_rune = DecodeRune(format, i, &w);
    i += w;
    if (verb_rune == '%') {
      out.push_back('%');
      continue;
    }
    if (argi >= args.size()) {
      out.append("%!");
      AppendRune(&out, verb_rune);
      out.append("(MISSING)");
      continue;
    }
    char verb = verb_rune < 0x80 ? static_cast<char>(verb_rune) : '?';
    if (verb_rune >= 0x80) {
      // Non-ASCII verbs are never valid.
      out.append("%!");
      AppendRune(&out, verb_rune);
      out.push_back('(');
      const Value& a = args[argi++];
      if (a.is_nil()) {
        out.append("<nil>");
      } else {
        out.append(a.TypeName());
        out.push_back('=');
        AppendValue(&out, a);
      }
      out.push_back(')');
      continue;
    }
    AppendValueVerb(&out, args[argi++], verb, sp, 0);
  }
  if (argi < args.size()) {
    out.append("%!(EXTRA ");
    for (size_t k = argi; k < args.size(); ++k) {
      if (k > argi) out.append(", ");
      if (args[k].is_nil()) {
        out.append("<nil>");
      } else {
        out.append(args[k].TypeName());
        out.push_back('=');
        AppendValue(&out, args[k]);
      }
    }
    out.push_back(')');
  }
  return out;
}

}  // namespace ward::tmpl::gofmt
