// The JSON value model: exact number text, ordered members, strict parsing.
#include "fhir/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace parcours {
namespace {

Json parse_ok(std::string_view text) {
  auto r = parse_json(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() ? std::move(r).value() : Json();
}

std::string parse_error(std::string_view text, const JsonParseOptions& options = {}) {
  auto r = parse_json(text, options);
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return {};
  EXPECT_EQ(r.error().status(), 400);
  return r.error().message();
}

TEST(JsonParse, Scalars) {
  EXPECT_TRUE(parse_ok("null").is_null());
  EXPECT_TRUE(parse_ok("true").as_bool());
  EXPECT_FALSE(parse_ok("false").as_bool());
  EXPECT_EQ(parse_ok(R"("x")").as_string(), "x");
  EXPECT_EQ(parse_ok("  42  ").number(), "42");
}

TEST(JsonParse, NumbersKeepTheirText) {
  // FHIR decimals carry their precision (R4 §2.24.0.1 decimal).
  for (const char* n : {"1.50", "0.0", "-0", "1e10", "1E+2", "-1.000e-7", "12345678901234567890123",
                        "0.1000000000000000055511151231257827"}) {
    Json j = parse_ok(n);
    ASSERT_TRUE(j.is_number()) << n;
    EXPECT_EQ(j.number(), n);
    EXPECT_EQ(j.dump(), n);
  }
  Json a = parse_ok(R"({"v":1.50})");
  EXPECT_EQ(a.dump(), R"({"v":1.50})");
  EXPECT_EQ(parse_ok("7").to_int64(), 7);
  EXPECT_EQ(parse_ok("-9223372036854775808").to_int64(), INT64_MIN);
  EXPECT_FALSE(parse_ok("9223372036854775808").to_int64());
  EXPECT_FALSE(parse_ok("1.5").to_int64());
  EXPECT_DOUBLE_EQ(*parse_ok("1.5e2").to_double(), 150.0);
  EXPECT_FALSE(parse_ok(R"("1")").to_double());
}

TEST(JsonParse, StringsAndUnicodeEscapes) {
  EXPECT_EQ(parse_ok(R"("caf\u00e9")").as_string(), "caf\xc3\xa9");
  EXPECT_EQ(parse_ok(R"("\ud83d\ude00")").as_string(), "\xf0\x9f\x98\x80");  // surrogate pair
  EXPECT_EQ(parse_ok(R"("a\"b\\c\/d\n\t\r\b\f")").as_string(), "a\"b\\c/d\n\t\r\b\f");
  EXPECT_EQ(parse_ok("\"d\xc3\xa9j\xc3\xa0\"").as_string(), "d\xc3\xa9j\xc3\xa0");  // raw UTF-8
  EXPECT_EQ(parse_ok(R"("\u0000")").as_string(), std::string(1, '\0'));
  parse_error("\"\xff\"");     // invalid UTF-8
  parse_error("\"a\nb\"");     // raw control character
  parse_error(R"("\x")");      // bad escape
  parse_error(R"("\ud83d")");  // lone high surrogate
  parse_error(R"("unterminated)");
}

TEST(JsonParse, ObjectsKeepOrder) {
  Json j = parse_ok(R"({"z":1,"a":2,"m":{"y":[1,2,{"b":null}]}})");
  ASSERT_TRUE(j.is_object());
  const auto& o = j.as_object();
  ASSERT_EQ(o.size(), 3u);
  EXPECT_EQ(o[0].first, "z");
  EXPECT_EQ(o[1].first, "a");
  EXPECT_EQ(o[2].first, "m");
  EXPECT_EQ(j.dump(), R"({"z":1,"a":2,"m":{"y":[1,2,{"b":null}]}})");
  EXPECT_EQ(j.find("a")->number(), "2");
  EXPECT_EQ(j.find("nope"), nullptr);
  EXPECT_EQ(parse_ok("[]").find("a"), nullptr);
}

TEST(JsonParse, DuplicateKeysRejected) {
  std::string msg = parse_error(R"({"a":1,"b":2,"a":3})");
  EXPECT_NE(msg.find("duplicate"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"a\""), std::string::npos) << msg;
  parse_error(R"({"x":{"k":1,"k":1}})");
  // Many keys take the sorted path of the duplicate check.
  std::string big = "{";
  for (int i = 0; i < 40; ++i) big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  EXPECT_TRUE(parse_json(big.substr(0, big.size() - 1) + "}").ok());
  parse_error(big + "\"k7\":0}");
  // The same key in sibling objects is fine.
  parse_ok(R"([{"a":1},{"a":2}])");
}

TEST(JsonParse, DepthLimit) {
  std::string deep(64, '[');
  deep += std::string(64, ']');
  EXPECT_TRUE(parse_json(deep).ok());
  std::string deeper(65, '[');
  deeper += std::string(65, ']');
  std::string msg = parse_error(deeper);
  EXPECT_NE(msg.find("64"), std::string::npos) << msg;
  JsonParseOptions tight;
  tight.max_depth = 3;
  parse_error("[[[[1]]]]", tight);
  EXPECT_TRUE(parse_json("[[[1]]]", tight).ok());
}

TEST(JsonParse, RejectsGarbage) {
  parse_error("");
  parse_error("   ");
  parse_error("{} x");
  parse_error("{}{}");
  parse_error("[1,]");
  parse_error(R"({"a":1,})");
  parse_error("{'a':1}");
  parse_error("01");
  parse_error("1.");
  parse_error("NaN");
  parse_error("[1 2]");
  parse_error("/* comment */ {}");
  parse_error("{\"a\" 1}");
}

TEST(JsonParse, ErrorsCarryLineAndColumn) {
  std::string msg = parse_error("{\n  \"a\": 1,\n  \"b\": tru\n}");
  EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("column"), std::string::npos) << msg;
  msg = parse_error("[1, 2] x");
  EXPECT_NE(msg.find("line 1, column 8"), std::string::npos) << msg;
}

TEST(JsonDump, CompactAndPretty) {
  Json j = parse_ok(R"({"a":[1,"x",{"b":true}],"e":{},"f":[],"s":"q\"\n\u0001"})");
  EXPECT_EQ(j.dump(), R"({"a":[1,"x",{"b":true}],"e":{},"f":[],"s":"q\"\n\u0001"})");
  EXPECT_EQ(j.dump(true),
            "{\n"
            "  \"a\": [\n"
            "    1,\n"
            "    \"x\",\n"
            "    {\n"
            "      \"b\": true\n"
            "    }\n"
            "  ],\n"
            "  \"e\": {},\n"
            "  \"f\": [],\n"
            "  \"s\": \"q\\\"\\n\\u0001\"\n"
            "}");
  EXPECT_TRUE(parse_ok(j.dump(true)).equals(j));
  std::string out = "prefix:";
  j.find("a")->dump_to(out);
  EXPECT_EQ(out, R"(prefix:[1,"x",{"b":true}])");
}

TEST(JsonDump, AppendJsonString) {
  std::string out;
  append_json_string(out, "tab\there \\ \"quoted\" \x1f caf\xc3\xa9");
  EXPECT_EQ(out, "\"tab\\there \\\\ \\\"quoted\\\" \\u001f caf\xc3\xa9\"");
}

TEST(JsonBuild, ConstructAndMutate) {
  Json j = Json::object();
  j.set("resourceType", "Patient");
  j.set("active", true);
  j.set("n", 3);
  j.set("big", std::uint64_t{18446744073709551615ULL});
  j.set("d", 0.5);
  j.set("nan", std::nan(""));  // no NaN in JSON: becomes null
  j.set("name", Json::array()).push_back(Json::object()).set("family", std::string("Durand"));
  EXPECT_EQ(j.dump(),
            R"({"resourceType":"Patient","active":true,"n":3,"big":18446744073709551615,"d":0.5,"nan":null,)"
            R"("name":[{"family":"Durand"}]})");
  // set() replaces in place, keeping the member's position.
  j.set("active", false);
  EXPECT_EQ(j.as_object()[1].first, "active");
  EXPECT_FALSE(j.find("active")->as_bool());
  EXPECT_TRUE(j.erase("n"));
  EXPECT_FALSE(j.erase("n"));
  EXPECT_EQ(j.size(), 6u);
  EXPECT_EQ(j.get_string("resourceType"), "Patient");
  EXPECT_EQ(j.get_string("active"), "");  // not a string
  EXPECT_EQ(j.get_string("missing"), "");
  EXPECT_EQ(Json(nullptr).size(), 0u);
}

TEST(JsonEquals, OrderedAndUnordered) {
  Json a = parse_ok(R"({"a":1,"b":[1,2],"c":{"x":"y"}})");
  Json b = parse_ok(R"({"b":[1,2],"c":{"x":"y"},"a":1})");
  EXPECT_FALSE(a.equals(b));
  EXPECT_TRUE(a.equals(b, false));
  EXPECT_FALSE(a == b);
  EXPECT_TRUE(a == parse_ok(a.dump()));
  // Arrays are ordered either way; numbers compare by text.
  EXPECT_FALSE(parse_ok("[1,2]").equals(parse_ok("[2,1]"), false));
  EXPECT_FALSE(parse_ok("1.0").equals(parse_ok("1")));
  EXPECT_FALSE(parse_ok(R"({"a":1})").equals(parse_ok(R"({"a":1,"b":2})"), false));
  EXPECT_FALSE(parse_ok(R"({"a":1,"b":2})").equals(parse_ok(R"({"a":1,"c":2})"), false));
  EXPECT_FALSE(parse_ok("null").equals(parse_ok("false")));
  EXPECT_TRUE(parse_ok(R"("s")").equals(Json("s")));
}

}  // namespace
}  // namespace parcours
