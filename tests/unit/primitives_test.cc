// The R4 primitive lexical rules (R4 §2.24.0.1), case by case.
#include "fhir/primitives.h"

#include <gtest/gtest.h>

#include <string>

#include "fhir/definitions.h"

namespace parcours::fhir {
namespace {

TEST(Primitives, Id) {
  EXPECT_TRUE(is_valid_id("a"));
  EXPECT_TRUE(is_valid_id("Patient-1.2"));
  EXPECT_TRUE(is_valid_id(std::string(64, 'x')));
  EXPECT_FALSE(is_valid_id(""));
  EXPECT_FALSE(is_valid_id(std::string(65, 'x')));
  EXPECT_FALSE(is_valid_id("a_b"));
  EXPECT_FALSE(is_valid_id("a b"));
  EXPECT_FALSE(is_valid_id("a/b"));
  EXPECT_FALSE(is_valid_id("é"));
}

TEST(Primitives, Date) {
  for (const char* ok : {"2020", "2020-01", "2020-12-31", "2020-02-29", "2000-02-29", "0001", "1000-01-01"})
    EXPECT_TRUE(is_valid_date(ok)) << ok;
  for (const char* bad : {"", "20", "0000", "2020-13", "2020-00", "2020-1", "2020-01-00", "2020-01-32",
                          "2019-02-29", "1900-02-29", "2020-04-31", "2020-01-01T10:00:00Z", "2020-01-01 ",
                          " 2020", "2020/01/01", "+2020", "20200101", "2020-01-1"})
    EXPECT_FALSE(is_valid_date(bad)) << bad;
}

TEST(Primitives, DateTime) {
  for (const char* ok :
       {"2020", "2020-06", "2020-06-15", "2020-06-15T10:20:30Z", "2020-06-15T10:20:30+02:00",
        "2020-06-15T10:20:30.5-05:00", "2020-06-15T23:59:60Z", "2020-06-15T10:20:30.123456789012Z",
        "2020-06-15T00:00:00+14:00", "2020-06-15T00:00:00-00:00", "2020-06-15T00:00:00+13:59"})
    EXPECT_TRUE(is_valid_date_time(ok)) << ok;
  for (const char* bad :
       {"", "2020-06-15T10:20:30", "2020-06-15T10:20Z", "2020-06-15T10Z", "2020-06-15T24:00:00Z",
        "2020-06-15T10:60:00Z", "2020-06-15T10:20:61Z", "2020-06-15T10:20:30.Z", "2020-06-15T10:20:30+14:01",
        "2020-06-15T10:20:30+15:00", "2020-06-15T10:20:30+0200", "2020-06-15t10:20:30Z", "2020-06T10:20:30Z",
        "2020-06-15T10:20:30z", "2020-06-15T10:20:30Z ", "2020-06-31T10:20:30Z"})
    EXPECT_FALSE(is_valid_date_time(bad)) << bad;
}

TEST(Primitives, Instant) {
  EXPECT_TRUE(is_valid_instant("2015-02-07T13:28:17.239+02:00"));
  EXPECT_TRUE(is_valid_instant("2017-01-01T00:00:00Z"));
  EXPECT_FALSE(is_valid_instant("2017-01-01"));
  EXPECT_FALSE(is_valid_instant("2017-01-01T00:00:00"));
  EXPECT_FALSE(is_valid_instant("2017"));
}

TEST(Primitives, Time) {
  for (const char* ok : {"00:00:00", "23:59:59", "12:30:60", "08:00:00.5", "08:00:00.123456789"})
    EXPECT_TRUE(is_valid_time(ok)) << ok;
  for (const char* bad :
       {"", "24:00:00", "8:00:00", "08:00", "08:00:00Z", "08:00:00+01:00", "08:60:00", "08:00:00."})
    EXPECT_FALSE(is_valid_time(bad)) << bad;
}

TEST(Primitives, Numbers) {
  for (const char* ok : {"0", "-0", "1.50", "-1.5", "1e10", "1E-10", "1.5e+3",
                         "0.000000000000000000000000001", "123456789012345678901234567890.123456789"})
    EXPECT_TRUE(is_valid_decimal(ok)) << ok;
  for (const char* bad : {"", "-", "01", "1.", ".5", "1e", "+1", "1.5.5", "NaN", "0x10", " 1"})
    EXPECT_FALSE(is_valid_decimal(bad)) << bad;

  EXPECT_TRUE(is_valid_integer("0"));
  EXPECT_TRUE(is_valid_integer("-2147483648"));
  EXPECT_TRUE(is_valid_integer("2147483647"));
  EXPECT_FALSE(is_valid_integer("2147483648"));
  EXPECT_FALSE(is_valid_integer("-2147483649"));
  EXPECT_FALSE(is_valid_integer("99999999999999999999999"));
  EXPECT_FALSE(is_valid_integer("1.0"));
  EXPECT_FALSE(is_valid_integer("1e2"));
  EXPECT_FALSE(is_valid_integer("01"));
  EXPECT_FALSE(is_valid_integer(""));

  EXPECT_TRUE(is_valid_positive_int("1"));
  EXPECT_TRUE(is_valid_positive_int("2147483647"));
  EXPECT_FALSE(is_valid_positive_int("0"));
  EXPECT_FALSE(is_valid_positive_int("-1"));
  EXPECT_FALSE(is_valid_positive_int("2147483648"));

  EXPECT_TRUE(is_valid_unsigned_int("0"));
  EXPECT_TRUE(is_valid_unsigned_int("2147483647"));
  EXPECT_FALSE(is_valid_unsigned_int("-0"));
  EXPECT_FALSE(is_valid_unsigned_int("-1"));
  EXPECT_FALSE(is_valid_unsigned_int("00"));
}

TEST(Primitives, Strings) {
  EXPECT_TRUE(is_valid_string("x"));
  EXPECT_TRUE(is_valid_string("  spaces are allowed  "));
  EXPECT_TRUE(is_valid_string("line\nbreak\r\n\ttab"));
  EXPECT_TRUE(is_valid_string("accentué — 日本"));
  EXPECT_FALSE(is_valid_string(""));
  EXPECT_FALSE(is_valid_string(std::string("a\0b", 3)));
  EXPECT_FALSE(is_valid_string("a\x01"));
  EXPECT_FALSE(is_valid_string("form\ffeed"));
  EXPECT_TRUE(is_valid_string(std::string(1048576, 'a')));
  EXPECT_FALSE(is_valid_string(std::string(1048577, 'a')));
  std::string accents;  // 1048576 characters of two bytes each
  for (int i = 0; i < 1048576; ++i) accents += "\xc3\xa9";
  EXPECT_TRUE(is_valid_string(accents));
  EXPECT_FALSE(is_valid_string(accents + "e"));
}

TEST(Primitives, Code) {
  EXPECT_TRUE(is_valid_code("male"));
  EXPECT_TRUE(is_valid_code("a b c"));
  EXPECT_TRUE(is_valid_code("mg/dL"));
  EXPECT_FALSE(is_valid_code(""));
  EXPECT_FALSE(is_valid_code(" a"));
  EXPECT_FALSE(is_valid_code("a "));
  EXPECT_FALSE(is_valid_code("a  b"));
  EXPECT_FALSE(is_valid_code("a\tb\tc d\n"));
  EXPECT_FALSE(is_valid_code(" "));
}

TEST(Primitives, UriOidUuid) {
  EXPECT_TRUE(is_valid_uri("http://example.org/a?b=c#d"));
  EXPECT_TRUE(is_valid_uri("urn:oid:1.2.3"));
  EXPECT_TRUE(is_valid_uri("http://hl7.org/fhir/ValueSet/x|4.0.1"));
  EXPECT_FALSE(is_valid_uri(""));
  EXPECT_FALSE(is_valid_uri("http://a b"));
  EXPECT_FALSE(is_valid_uri("http://a\tb"));

  EXPECT_TRUE(is_valid_oid("urn:oid:1.2.250.1.213.1.4.8"));
  EXPECT_TRUE(is_valid_oid("urn:oid:2.0"));
  EXPECT_FALSE(is_valid_oid("urn:oid:3.1"));
  EXPECT_FALSE(is_valid_oid("urn:oid:1"));
  EXPECT_FALSE(is_valid_oid("urn:oid:1.02"));
  EXPECT_FALSE(is_valid_oid("urn:oid:1..2"));
  EXPECT_FALSE(is_valid_oid("urn:oid:1.2."));
  EXPECT_FALSE(is_valid_oid("1.2.3"));

  EXPECT_TRUE(is_valid_uuid("urn:uuid:8d3b1fbc-7c6e-4b2e-9d36-2a3f4b5c6d7e"));
  EXPECT_FALSE(is_valid_uuid("urn:uuid:8D3B1FBC-7C6E-4B2E-9D36-2A3F4B5C6D7E"));  // lower case only
  EXPECT_FALSE(is_valid_uuid("urn:uuid:8d3b1fbc7c6e4b2e9d362a3f4b5c6d7e"));
  EXPECT_FALSE(is_valid_uuid("8d3b1fbc-7c6e-4b2e-9d36-2a3f4b5c6d7e"));
  EXPECT_FALSE(is_valid_uuid("urn:uuid:8d3b1fbc-7c6e-4b2e-9d36-2a3f4b5c6d7"));
}

TEST(Primitives, Base64) {
  EXPECT_TRUE(is_valid_base64("aGVsbG8="));
  EXPECT_TRUE(is_valid_base64("aGVs bG8="));
  EXPECT_TRUE(is_valid_base64("  aGVs\n  bG8=\n"));
  EXPECT_FALSE(is_valid_base64(""));
  EXPECT_FALSE(is_valid_base64("   "));
  EXPECT_FALSE(is_valid_base64("aGVsbG8"));
  EXPECT_FALSE(is_valid_base64("aG Vs"));
  EXPECT_FALSE(is_valid_base64("aGV!"));
}

TEST(Primitives, CheckPrimitiveJsonForms) {
  EXPECT_EQ(check_primitive(Primitive::kBoolean, Json(true)), PrimitiveCheck::kOk);
  EXPECT_EQ(check_primitive(Primitive::kBoolean, Json("true")), PrimitiveCheck::kWrongJsonType);
  EXPECT_EQ(check_primitive(Primitive::kInteger, Json(5)), PrimitiveCheck::kOk);
  EXPECT_EQ(check_primitive(Primitive::kInteger, Json::number_text("5.0")), PrimitiveCheck::kInvalid);
  EXPECT_EQ(check_primitive(Primitive::kInteger, Json("5")), PrimitiveCheck::kWrongJsonType);
  EXPECT_EQ(check_primitive(Primitive::kDecimal, Json::number_text("1.50")), PrimitiveCheck::kOk);
  EXPECT_EQ(check_primitive(Primitive::kDecimal, Json("1.50")), PrimitiveCheck::kWrongJsonType);
  EXPECT_EQ(check_primitive(Primitive::kDate, Json("2020-01-01")), PrimitiveCheck::kOk);
  EXPECT_EQ(check_primitive(Primitive::kDate, Json(2020)), PrimitiveCheck::kWrongJsonType);
  EXPECT_EQ(check_primitive(Primitive::kString, Json()), PrimitiveCheck::kWrongJsonType);
  EXPECT_EQ(check_primitive(Primitive::kXhtml, Json("<div>x</div>")), PrimitiveCheck::kOk);
  EXPECT_EQ(check_primitive(Primitive::kXhtml, Json("")), PrimitiveCheck::kInvalid);
  EXPECT_EQ(check_primitive(Primitive::kCanonical, Json("http://x|1")), PrimitiveCheck::kOk);
  EXPECT_EQ(check_primitive(Primitive::kMarkdown, Json("# Title\n\n* item")), PrimitiveCheck::kOk);
}

TEST(Primitives, EveryPrimitiveTypeIsHandled) {
  // Every primitive in the generated tables maps to a checker and a name.
  int count = 0;
  for (const TypeDef& t : all_types()) {
    if (!t.is_primitive()) continue;
    ++count;
    EXPECT_NE(t.primitive, Primitive::kNone) << t.name;
    EXPECT_EQ(primitive_name(t.primitive), t.name);
    EXPECT_FALSE(expected_form(t.primitive).empty()) << t.name;
    EXPECT_FALSE(is_valid_lexical(t.primitive, "")) << t.name << " accepts the empty string";
  }
  EXPECT_EQ(count, 20);
}

TEST(Primitives, ParseDateTime) {
  auto p = parse_date_time("2024-02-29T23:59:60.25-03:30");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->precision, DateTimeParts::Precision::kSecond);
  EXPECT_EQ(p->year, 2024);
  EXPECT_EQ(p->month, 2);
  EXPECT_EQ(p->day, 29);
  EXPECT_EQ(p->hour, 23);
  EXPECT_EQ(p->minute, 59);
  EXPECT_EQ(p->second, 60);
  EXPECT_EQ(p->nanos, 250000000u);
  EXPECT_EQ(p->fraction_digits, 2);
  EXPECT_TRUE(p->has_zone);
  EXPECT_EQ(p->zone_minutes, -210);

  auto m = parse_date_time("2024-03");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->precision, DateTimeParts::Precision::kMonth);
  EXPECT_EQ(m->month, 3);
  EXPECT_FALSE(m->has_zone);

  auto y = parse_date("1999");
  ASSERT_TRUE(y);
  EXPECT_EQ(y->precision, DateTimeParts::Precision::kYear);
  EXPECT_FALSE(parse_date("1999-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_instant("1999-01-01"));
  EXPECT_TRUE(parse_instant("1999-01-01T00:00:00Z"));

  auto n = parse_date_time("2024-01-01T00:00:00.1234567891Z");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->nanos, 123456789u);
  EXPECT_EQ(n->fraction_digits, 10);

  auto t = parse_time("07:05:03.5");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->hour, 7);
  EXPECT_EQ(t->minute, 5);
  EXPECT_EQ(t->second, 3);
  EXPECT_EQ(t->nanos, 500000000u);
}

}  // namespace
}  // namespace parcours::fhir
