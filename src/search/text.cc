#include "search/text.h"

#include <cstdint>

#include "base/text.h"

namespace parcours::search {
namespace {

// Base letters of U+00C0..U+017F after NFD decomposition without the
// combining marks, lower-cased. Two-letter foldings (æ, œ, ß, ĳ) are handled
// in fold_cp. '\0' keeps the character as it is (×, ÷, ı...).
constexpr char kLatin[] =
    // U+00C0-00DF: À Á Â Ã Ä Å Æ Ç È É Ê Ë Ì Í Î Ï Ð Ñ Ò Ó Ô Õ Ö × Ø Ù Ú Û Ü Ý Þ ß
    "aaaaaa\0ceeeeiiiidnooooo\0ouuuuyt\0"
    // U+00E0-00FF: à á â ã ä å æ ç è é ê ë ì í î ï ð ñ ò ó ô õ ö ÷ ø ù ú û ü ý þ ÿ
    "aaaaaa\0ceeeeiiiidnooooo\0ouuuuyty"
    // U+0100-017F: Latin Extended-A, in pairs (upper, lower) mostly.
    "aaaaaaccccccccdddd"  // Ā ā Ă ă Ą ą Ć ć Ĉ ĉ Ċ ċ Č č Ď ď Đ đ
    "eeeeeeeeee"          // Ē ē Ĕ ĕ Ė ė Ę ę Ě ě
    "gggggggg"            // Ĝ ĝ Ğ ğ Ġ ġ Ģ ģ
    "hhhh"                // Ĥ ĥ Ħ ħ
    "iiiiiiiiii"          // Ĩ ĩ Ī ī Ĭ ĭ Į į İ ı
    "\0\0"                // Ĳ ĳ (ij, in fold_cp)
    "jjkkk"               // Ĵ ĵ Ķ ķ ĸ
    "llllllllll"          // Ĺ ĺ Ļ ļ Ľ ľ Ŀ ŀ Ł ł
    "nnnnnnnnn"           // Ń ń Ņ ņ Ň ň ŉ Ŋ ŋ
    "oooooo\0\0"          // Ō ō Ŏ ŏ Ő ő Œ œ (oe, in fold_cp)
    "rrrrrr"              // Ŕ ŕ Ŗ ŗ Ř ř
    "ssssssss"            // Ś ś Ŝ ŝ Ş ş Š š
    "tttttt"              // Ţ ţ Ť ť Ŧ ŧ
    "uuuuuuuuuuuu"        // Ũ ũ Ū ū Ŭ ŭ Ů ů Ű ű Ų ų
    "wwyyyzzzzzzs";       // Ŵ ŵ Ŷ ŷ Ÿ Ź ź Ż ż Ž ž ſ
static_assert(sizeof(kLatin) - 1 == 0x180 - 0xC0, "one entry per code point U+00C0..U+017F");

// Decodes one UTF-8 sequence at s[i]; invalid bytes decode as U+FFFD.
std::uint32_t next_cp(std::string_view s, std::size_t& i) {
  auto b = static_cast<unsigned char>(s[i]);
  int len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) {
    ++i;
    return 0xFFFD;
  }
  std::uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
  for (int k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((c & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

// Appends the folded form of one code point.
void fold_cp(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
    return;
  }
  switch (cp) {
    case 0xC6:
    case 0xE6:
      out += "ae";
      return;
    case 0xDF:
      out += "ss";
      return;
    case 0x132:
    case 0x133:
      out += "ij";
      return;
    case 0x152:
    case 0x153:
      out += "oe";
      return;
    case 0x2019:  // right single quotation mark, as in "Villeneuve-d’Ascq"
      out.push_back('\'');
      return;
    default:
      break;
  }
  if (cp >= 0xC0 && cp < 0x180) {
    char base = kLatin[cp - 0xC0];
    if (base) {
      out.push_back(base);
      return;
    }
  }
  // Combining diacritical marks (text already in NFD): dropped.
  if (cp >= 0x300 && cp < 0x370) return;
  // Greek and Cyrillic capitals: the simple case mappings.
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2)
    cp += 0x20;
  else if (cp >= 0x410 && cp <= 0x42F)
    cp += 0x20;
  else if (cp >= 0x400 && cp <= 0x40F)
    cp += 0x50;
  append_utf8(out, cp);
}

bool is_space(std::uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' || cp == 0xA0 ||
         cp == 0x202F || cp == 0x2009;
}

bool is_word(std::uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
  return cp != 0xD7 && cp != 0xF7 && cp != 0xFFFD && !is_space(cp) && !(cp >= 0x2000 && cp < 0x2070);
}

}  // namespace

std::string fold(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = next_cp(text, i);
    if (is_space(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    fold_cp(out, cp);
  }
  return out;
}

std::string fold_words(std::string_view text) {
  std::string out;
  std::string folded = fold(text);
  bool in_word = false;
  for (std::size_t i = 0; i < folded.size();) {
    std::size_t start = i;
    std::uint32_t cp = next_cp(folded, i);
    if (is_word(cp)) {
      if (!in_word && !out.empty()) out.push_back(' ');
      out.append(folded, start, i - start);
      in_word = true;
    } else {
      in_word = false;
    }
  }
  return out;
}

}  // namespace parcours::search
