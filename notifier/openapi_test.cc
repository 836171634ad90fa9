// Tests for the Alertmanager API v2 JSON encoding.
#include "notifier/openapi.h"

#include <gtest/gtest.h>

namespace ward::notifier {
namespace {

std::string Encode(const std::vector<Alert>& alerts) {
  std::string out;
  EncodeAlerts(alerts, &out);
  return out;
}

TEST(OpenAPITest, FullAlertInGoFieldOrder) {
  Alert a;
  a.labels = labels::Labels{{"alertname", "HighLoad"}, {"instance", "a:9100"}};
  a.annotations = labels::Labels{{"summary", "load is high"}};
  a.starts_at_ms = 1795698000123;  // 2026-11-26T13:00:00.123Z
  a.ends_at_ms = 1795698180000;
  a.generator_url = "http://ward:9090/graph?g0.expr=up";
  EXPECT_EQ(Encode({a}), R"([{"annotations":{"summary":"load is high"},"endsAt":"2026-11-26T13:03:00.000Z",)"
                         R"("startsAt":"2026-11-26T13:00:00.123Z","generatorURL":"http://ward:9090/graph?g0.expr=up",)"
                         R"("labels":{"alertname":"HighLoad","instance":"a:9100"}}])");
}

TEST(OpenAPITest, ZeroFieldsOmitted) {
  Alert a;
  a.labels = labels::Labels{{"alertname", "A"}};
  Alert b;
  b.labels = labels::Labels{{"alertname", "B"}};
  b.ends_at_ms = 1000;
  EXPECT_EQ(Encode({a, b}),
            R"([{"labels":{"alertname":"A"}},{"endsAt":"1970-01-01T00:00:01.000Z","labels":{"alertname":"B"}}])");
  EXPECT_EQ(Encode({}), "[]");
}

TEST(OpenAPITest, StringEscaping) {
  struct Case {
    std::string in, want;
  };
  const Case cases[] = {
      {"plain", R"("plain")"},
      {"q\"b\\", R"("q\"b\\")"},
      {"a\nb\tc\r", R"("a\nb\tc\r")"},
      {std::string("\x01", 1), R"("\u0001")"},
      {"<b>&", R"("\u003cb\u003e\u0026")"},
      {"caf\xc3\xa9", "\"caf\xc3\xa9\""},
      {"bad\xff", R"("bad\ufffd")"},
      {"\xe2\x80\xa8", R"("\u2028")"},
      {"\xed\xa0\x80", R"("\ufffd\ufffd\ufffd")"},  // a UTF-16 surrogate is invalid UTF-8
      {"\xf0\x9f\x94\xa5", "\"\xf0\x9f\x94\xa5\""},
  };
  for (const auto& c : cases) {
    std::string out;
    AppendJSONString(c.in, &out);
    EXPECT_EQ(out, c.want) << c.in;
  }
}

TEST(OpenAPITest, RFC3339Millis) {
  struct Case {
    int64_t ms;
    std::string want;
  };
  const Case cases[] = {
      {0, "1970-01-01T00:00:00.000Z"},
      {1795698000123, "2026-11-26T13:00:00.123Z"},
      {-1, "1969-12-31T23:59:59.999Z"},
      {951782400005, "2000-02-29T00:00:00.005Z"},
  };
  for (const auto& c : cases) {
    std::string out;
    AppendRFC3339Millis(c.ms, &out);
    EXPECT_EQ(out, c.want) << c.ms;
  }
}

}  // namespace
}  // namespace ward::notifier
