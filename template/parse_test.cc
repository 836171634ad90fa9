// Robustness tests: random and mutated templates through Parse + Execute
// never crash; deep nesting is refused with an error instead of
// exhausting the stack; node texts round-trip for error contexts.
#include <gtest/gtest.h>

#include <random>

#include "template/expand.h"
#include "template/template.h"

namespace ward::tmpl {
namespace {

Value FuzzData() {
  return MakeMap({{"a", Value::String("x")},
                  {"n", Value::Float(1.5)},
                  {"l", MakeList({Value::Int(1), Value::String("s")})},
                  {"m", Value::LabelMap(labels::Labels{{"job", "etcd"}})}},
                 false);
}

void ParseAndRun(const std::string& text) {
  QueryFunc q = [](std::string_view) -> Result<std::vector<QuerySample>> {
    return std::vector<QuerySample>{{labels::Labels{{"instance", "a"}}, 1}};
  };
  auto t = Template::Parse("fuzz", text);
  if (!t.ok()) {
    EXPECT_EQ(t.status().message().substr(0, 15), "template: fuzz:") << text;
    return;
  }
  FuncEnv env;
  env.query = &q;
  std::string out;
  t->Execute(FuzzData(), env, &out).IgnoreError();  // only crashes matter here
}

TEST(TemplateFuzzTest, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  const std::string alphabet =
      "{{}}{}()|$.:=-\" `'\\/*,0123456789abexl n\t\nifrangewithendelsedefinetemplate\x01\xc3\xa9";
  for (int i = 0; i < 4000; ++i) {
    std::string s;
    size_t len = rng() % 40;
    for (size_t k = 0; k < len; ++k) {
      if (rng() % 8 == 0) {
        s.push_back(static_cast<char>(rng() % 256));
      } else {
        s.push_back(alphabet[rng() % alphabet.size()]);
      }
    }
    ParseAndRun(s);
  }
}

TEST(TemplateFuzzTest, MutatedTemplatesNeverCrash) {
  const std::vector<std::string> seeds = {
      "{{ range $i, $e := .l }}{{ $i }}:{{ printf \"%5.2f|%-3s|%x\" $.n $e 255 }}{{ else }}none{{ "
      "end }}",
      "{{ if and .a (eq .a \"x\") }}{{ .m.job | toUpper }}{{ else if .n }}{{ humanize .n }}{{ end "
      "}}",
      "{{ define \"t\" }}{{ . }}{{ end }}{{ template \"t\" (args 1 2) }}{{ block \"b\" . }}{{ len "
      ".l }}{{ end }}",
      "{{- with query \"up\" | first -}} {{ .Labels.instance }} {{ value . | humanizeDuration }} "
      "{{- end -}}",
      "{{/* c */}}{{ index .l 1 }}{{ slice .a 0 1 }}{{ reReplaceAll \"(x)\" \"$1$1\" .a }}{{ 'c' "
      "}}{{ 0x1F }}",
  };
  std::mt19937 rng(7);
  for (int i = 0; i < 4000; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    int edits = 1 + rng() % 4;
    for (int e = 0; e < edits && !s.empty(); ++e) {
      size_t pos = rng() % s.size();
      switch (rng() % 3) {
        case 0:
          s.erase(pos, 1 + rng() % 3);
          break;
        case 1:
          s.insert(pos, 1, "{}()|$.\" -"[rng() % 10]);
          break;
        default:
          s[pos] = static_cast<char>(rng() % 128);
          break;
      }
    }
    ParseAndRun(s);
  }
}

TEST(TemplateDepthTest, DeepParensAreRefused) {
  std::string s = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  auto t = Template::Parse("deep", s);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "template: deep:1: max expression depth exceeded");
}

TEST(TemplateDepthTest, DeepControlNestingIsRefused) {
  std::string s;
  for (int i = 0; i < 5000; ++i) s += "{{ if 1 }}";
  for (int i = 0; i < 5000; ++i) s += "{{ end }}";
  auto t = Template::Parse("deep", s);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "template: deep:1: max expression depth exceeded");
}

TEST(TemplateDepthTest, ModerateNestingWorks) {
  std::string s;
  for (int i = 0; i < 200; ++i) s += "{{ if 1 }}";
  s += "ok";
  for (int i = 0; i < 200; ++i) s += "{{ end }}";
  auto t = Template::Parse("n", s);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  std::string out;
  ASSERT_TRUE(t->Execute(Value(), FuncEnv{}, &out).ok());
  EXPECT_EQ(out, "ok");
}

TEST(TemplateParseTest, ErrorLinesCountNewlines) {
  auto t = Template::Parse("x", "line1\nline2 {{ .a }}\n{{ if }}");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "template: x:3: missing value for if");
}

TEST(TemplateParseTest, ExecErrorColumnsOnLaterLines) {
  auto t = Template::Parse("x", "a\n  {{ toUpper 1.5 }}");
  ASSERT_TRUE(t.ok());
  std::string out;
  Status st = t->Execute(Value(), FuncEnv{}, &out);
  EXPECT_EQ(st.message(), "template: x:2:13: executing \"x\" at <1.5>: expected string; found 1.5");
}

TEST(TemplateParseTest, NewlinesInsideActions) {
  auto t = Template::Parse("x", "{{ printf \"%d\"\n   5 }}");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  std::string out;
  ASSERT_TRUE(t->Execute(Value(), FuncEnv{}, &out).ok());
  EXPECT_EQ(out, "5");
}

}  // namespace
}  // namespace ward::tmpl
