// ULIDs and meta.json: encoding, a small JSON reader for the fields
// Prometheus writes, and the file helpers. Layout: meta.h.
#include "tsdb/block/meta.h"

#include <errno.h>
#include <stdio.h>

#include <cstring>
#include <map>
#include <memory>
#include <random>

#include "tsdb/chunks/segments.h"

namespace ward::tsdb::block {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int CrockfordValue(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  const char* p = std::strchr(kCrockford, c);
  return (p == nullptr || c == '\0') ? -1 : static_cast<int>(p - kCrockford);
}

// ---- a minimal JSON reader (objects, arrays, strings, numbers, literals)

struct Json {
  enum Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = kNull;
  bool b = false;
  bool integral = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
  std::vector<Json> arr;
  std::vector<std::pair<std::string, Json>> obj;

  const Json* Get(std::string_view key) const {
    for (const auto& [k, v] : obj) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

class JsonParser {
 public:
  explicit JsonParser(std::string_view t) : p_(t.data()), end_(t.data() + t.size()) {}

  bool Parse(Json* out, std::string* err) {
    if (!Value(out, 0)) {
      *err = err_;
      return false;
    }
    Ws();
    if (p_ != end_) {
      *err = "trailing data";
      return false;
    }
    return true;
  }

 private:
  bool Fail(const char* why) {
    if (err_.empty()) err_ = why;
    return false;
  }
  void Ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool Literal(const char* lit) {
    size_t n = std::strlen(lit);
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, lit, n) != 0) return false;
    p_ += n;
    return true;
  }
  bool String(std::string* s) {
    if (p_ >= end_ || *p_ != '"') return Fail("expected string");
    ++p_;
    while (p_ < end_ && *p_ != '"') {
      char c = *p_++;
      if (c != '\\') {
        s->push_back(c);
        continue;
      }
      if (p_ >= end_) return Fail("bad escape");
      char e = *p_++;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          s->push_back(e);
          break;
        case 'b':
          s->push_back('\b');
          break;
        case 'f':
          s->push_back('\f');
          break;
        case 'n':
          s->push_back('\n');
          break;
        case 'r':
          s->push_back('\r');
          break;
        case 't':
          s->push_back('\t');
          break;
        case 'u': {
          if (end_ - p_ < 4) return Fail("bad \\u escape");
          unsigned cp = 0;
          for (int k = 0; k < 4; ++k) {
            char h = *p_++;
            cp <<= 4;
            if (h >= '0' && h <= '9')
              cp |= h - '0';
            else if (h >= 'a' && h <= 'f')
              cp |= h - 'a' + 10;
            else if (h >= 'A' && h <= 'F')
              cp |= h - 'A' + 10;
            else
              return Fail("bad \\u escape");
          }
          // Fields we read are ASCII; keep BMP code points as UTF-8.
          if (cp < 0x80) {
            s->push_back(static_cast<char>(cp));
          } else if (cp < 0x800) {
            s->push_back(static_cast<char>(0xC0 | (cp >> 6)));
            s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          } else {
            s->push_back(static_cast<char>(0xE0 | (cp >> 12)));
            s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          }
          break;
        }
        default:
          return Fail("bad escape");
      }
    }
    if (p_ >= end_) return Fail("unterminated string");
    ++p_;
    return true;
  }
  bool Number(Json* out) {
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    bool integral = true;
    while (p_ < end_ && ((*p_ >= '0' && *p_ <= '9') || *p_ == '.' || *p_ == 'e' || *p_ == 'E' ||
                         *p_ == '+' || *p_ == '-')) {
      if (*p_ == '.' || *p_ == 'e' || *p_ == 'E') integral = false;
      ++p_;
    }
    std::string num(start, p_);
    if (num.empty() || num == "-") return Fail("bad number");
    out->kind = Json::kNumber;
    char* e = nullptr;
    errno = 0;
    if (integral) {
      out->i = std::strtoll(num.c_str(), &e, 10);
      out->integral = errno == 0;
      out->d = static_cast<double>(out->i);
    } else {
      out->d = std::strtod(num.c_str(), &e);
    }
    if (e != num.c_str() + num.size()) return Fail("bad number");
    return true;
  }
  bool Value(Json* out, int depth) {
    if (depth > 64) return Fail("nesting too deep");
    Ws();
    if (p_ >= end_) return Fail("unexpected end of input");
    char c = *p_;
    if (c == '{') {
      ++p_;
      out->kind = Json::kObject;
      Ws();
      if (p_ < end_ && *p_ == '}') {
        ++p_;
        return true;
      }
      while (true) {
        Ws();
        std::string key;
        if (!String(&key)) return false;
        Ws();
        if (p_ >= end_ || *p_ != ':') return Fail("expected ':'");
        ++p_;
        Json v;
        if (!Value(&v, depth + 1)) return false;
        out->obj.emplace_back(std::move(key), std::move(v));
        Ws();
        if (p_ < end_ && *p_ == ',') {
          ++p_;
          continue;
        }
        if (p_ < end_ && *p_ == '}') {
          ++p_;
          return true;
        }
        return Fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      ++p_;
      out->kind = Json::kArray;
      Ws();
      if (p_ < end_ && *p_ == ']') {
        ++p_;
        return true;
      }
      while (true) {
        Json v;
        if (!Value(&v, depth + 1)) return false;
        out->arr.push_back(std::move(v));
        Ws();
        if (p_ < end_ && *p_ == ',') {
          ++p_;
          continue;
        }
        if (p_ < end_ && *p_ == ']') {
          ++p_;
          return true;
        }
        return Fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      out->kind = Json::kString;
      return String(&out->s);
    }
    if (Literal("true")) {
      out->kind = Json::kBool;
      out->b = true;
      return true;
    }
    if (Literal("false")) {
      out->kind = Json::kBool;
      return true;
    }
    if (Literal("null")) return true;
    return Number(out);
  }

  const char* p_;
  const char* end_;
  std::string err_;
};

void AppendQuotedJson(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof(b), "\\u%04x", c);
      out->append(b);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

}  // namespace

std::string NewULID(int64_t unix_ms) {
  static thread_local std::mt19937_64 rng{std::random_device{}() ^
                                          (static_cast<uint64_t>(std::random_device{}()) << 32)};
  unsigned __int128 v =
      static_cast<unsigned __int128>(static_cast<uint64_t>(unix_ms) & ((uint64_t{1} << 48) - 1))
      << 80;
  uint64_t r1 = rng(), r2 = rng();
  v |= (static_cast<unsigned __int128>(r1 & 0xFFFF) << 64) | r2;
  std::string out(26, '0');
  for (int i = 25; i >= 0; --i) {
    out[i] = kCrockford[static_cast<int>(v & 31)];
    v >>= 5;
  }
  return out;
}

bool ParseULID(std::string_view s, int64_t* unix_ms) {
  if (s.size() != 26) return false;
  unsigned __int128 v = 0;
  for (size_t i = 0; i < 26; ++i) {
    int d = CrockfordValue(s[i]);
    if (d < 0) return false;
    if (i == 0 && d > 7) return false;  // would overflow 128 bits
    v = (v << 5) | static_cast<unsigned>(d);
  }
  if (unix_ms) *unix_ms = static_cast<int64_t>(static_cast<uint64_t>(v >> 80));
  return true;
}

std::string EncodeMeta(const BlockMeta& m) {
  std::string o = "{\n\t\"ulid\": ";
  AppendQuotedJson(&o, m.ulid);
  o += ",\n\t\"minTime\": " + std::to_string(m.min_time);
  o += ",\n\t\"maxTime\": " + std::to_string(m.max_time);
  o += ",\n\t\"stats\": {\n\t\t\"numSamples\": " + std::to_string(m.stats.num_samples);
  o += ",\n\t\t\"numSeries\": " + std::to_string(m.stats.num_series);
  o += ",\n\t\t\"numChunks\": " + std::to_string(m.stats.num_chunks);
  if (m.stats.num_tombstones != 0) {
    o += ",\n\t\t\"numTombstones\": " + std::to_string(m.stats.num_tombstones);
  }
  o += "\n\t},\n\t\"compaction\": {\n\t\t\"level\": " + std::to_string(m.compaction.level);
  if (!m.compaction.sources.empty()) {
    o += ",\n\t\t\"sources\": [";
    for (size_t i = 0; i < m.compaction.sources.size(); ++i) {
      o += i ? ",\n\t\t\t" : "\n\t\t\t";
      AppendQuotedJson(&o, m.compaction.sources[i]);
    }
    o += "\n\t\t]";
  }
  if (!m.compaction.parents.empty()) {
    o += ",\n\t\t\"parents\": [";
    for (size_t i = 0; i < m.compaction.parents.size(); ++i) {
      const BlockDesc& p = m.compaction.parents[i];
      o += i ? ",\n\t\t\t{\n\t\t\t\t\"ulid\": " : "\n\t\t\t{\n\t\t\t\t\"ulid\": ";
      AppendQuotedJson(&o, p.ulid);
      o += ",\n\t\t\t\t\"minTime\": " + std::to_string(p.min_time);
      o += ",\n\t\t\t\t\"maxTime\": " + std::to_string(p.max_time) + "\n\t\t\t}";
    }
    o += "\n\t\t]";
  }
  if (m.compaction.failed) o += ",\n\t\t\"failed\": true";
  if (m.compaction.deletable) o += ",\n\t\t\"deletable\": true";
  // No newline after the closing brace: Prometheus writes json.MarshalIndent's
  // bytes as they are.
  o += "\n\t},\n\t\"version\": " + std::to_string(m.version) + "\n}";
  return o;
}

Result<BlockMeta> DecodeMeta(std::string_view text, const std::string& what) {
  Json root;
  std::string err;
  if (!JsonParser(text).Parse(&root, &err)) {
    return Status::Corruption(what + ": malformed JSON: " + err);
  }
  if (root.kind != Json::kObject) return Status::Corruption(what + ": not a JSON object");
  auto bad = [&](const std::string& why) { return Status::Corruption(what + ": " + why); };
  auto get_int = [](const Json* j, int64_t* v) {
    if (j == nullptr || j->kind != Json::kNumber || !j->integral) return false;
    *v = j->i;
    return true;
  };
  BlockMeta m;
  const Json* ulid = root.Get("ulid");
  if (ulid == nullptr || ulid->kind != Json::kString || !ParseULID(ulid->s)) {
    return bad("missing or malformed ulid");
  }
  m.ulid = ulid->s;
  int64_t v;
  if (!get_int(root.Get("version"), &v)) return bad("missing version");
  if (v != kMetaVersion1 && v != kMetaVersionDense) {
    return bad("unsupported meta version " + std::to_string(v));
  }
  m.version = static_cast<int>(v);
  if (!get_int(root.Get("minTime"), &m.min_time) || !get_int(root.Get("maxTime"), &m.max_time)) {
    return bad("missing or malformed minTime/maxTime");
  }
  if (m.min_time > m.max_time) return bad("minTime is after maxTime");
  if (const Json* st = root.Get("stats"); st != nullptr && st->kind == Json::kObject) {
    if (get_int(st->Get("numSamples"), &v)) m.stats.num_samples = static_cast<uint64_t>(v);
    if (get_int(st->Get("numSeries"), &v)) m.stats.num_series = static_cast<uint64_t>(v);
    if (get_int(st->Get("numChunks"), &v)) m.stats.num_chunks = static_cast<uint64_t>(v);
    if (get_int(st->Get("numTombstones"), &v)) m.stats.num_tombstones = static_cast<uint64_t>(v);
  }
  if (const Json* c = root.Get("compaction"); c != nullptr && c->kind == Json::kObject) {
    if (get_int(c->Get("level"), &v)) m.compaction.level = static_cast<int>(v);
    if (const Json* s = c->Get("sources"); s != nullptr && s->kind == Json::kArray) {
      for (const Json& e : s->arr) {
        if (e.kind != Json::kString) return bad("malformed compaction.sources");
        m.compaction.sources.push_back(e.s);
      }
    }
    if (const Json* s = c->Get("parents"); s != nullptr && s->kind == Json::kArray) {
      for (const Json& e : s->arr) {
        BlockDesc d;
        const Json* u = e.Get("ulid");
        if (u == nullptr || u->kind != Json::kString) return bad("malformed compaction.parents");
        d.ulid = u->s;
        get_int(e.Get("minTime"), &d.min_time);
        get_int(e.Get("maxTime"), &d.max_time);
        m.compaction.parents.push_back(std::move(d));
      }
    }
    if (const Json* f = c->Get("failed"); f != nullptr && f->kind == Json::kBool) {
      m.compaction.failed = f->b;
    }
    if (const Json* f = c->Get("deletable"); f != nullptr && f->kind == Json::kBool) {
      m.compaction.deletable = f->b;
    }
  }
  return m;
}

Status WriteMetaFile(const std::string& dir, const BlockMeta& m) {
  std::string path = dir + "/" + kMetaFilename;
  std::string tmp = path + ".tmp";
  WARD_RETURN_IF_ERROR(chunks::WriteFileSync(tmp, EncodeMeta(m)));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("rename " + tmp + ": " + std::strerror(errno));
  }
  return chunks::SyncDir(dir);
}

Result<BlockMeta> ReadMetaFile(const std::string& dir) {
  std::string path = dir + "/" + kMetaFilename;
  FILE* f = ::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    if (errno == ENOENT) return Status::Corruption(path + ": missing");
    return Status::IOError("open " + path + ": " + std::strerror(errno));
  }
  std::string b;
  char buf[8192];
  size_t n;
  while ((n = ::fread(buf, 1, sizeof(buf), f)) > 0 && b.size() < (16 << 20)) b.append(buf, n);
  bool err = ::ferror(f);
  ::fclose(f);
  if (err) return Status::IOError("read " + path);
  return DecodeMeta(b, path);
}

}  // namespace ward::tsdb::block
