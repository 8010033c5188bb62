// Check keys of the French identifiers (BRIEF §9).
//
// - NIR (numéro d'inscription au répertoire, the INS-NIR): sex(1) YY(2) MM(2)
//   birthplace(5: département + commune, or 99 + country code) order(3), then
//   key = 97 - (13-digit number mod 97). For Corsica the département "2A" is
//   read as 19 and "2B" as 18 (INSEE rule since the 1976 split).
// - RPPS (ANS): 11 digits, the last one a Luhn key.
// - FINESS (ministère de la Santé): 9 digits, the 9th a Luhn key of the 8 first.
#include <cstdint>
#include <string>
#include <string_view>

#include "territory/generator.h"

namespace parcours::territory {
namespace {

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

// Luhn sum of `digits` where the rightmost digit is the check digit.
int luhn_sum(std::string_view digits, bool rightmost_doubled) {
  int sum = 0;
  bool twice = rightmost_doubled;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum;
}

char luhn_key(std::string_view payload) {
  // The key will sit to the right, so the payload's last digit is doubled.
  return static_cast<char>('0' + (10 - luhn_sum(payload, true) % 10) % 10);
}

bool luhn_valid(std::string_view digits) { return luhn_sum(digits, false) % 10 == 0; }

}  // namespace

std::string nir_key(std::string_view nir13) {
  if (nir13.size() != 13) return {};
  std::string digits(nir13);
  if (digits[5] == '2' && (digits[6] == 'A' || digits[6] == 'B')) {
    digits[5] = '1';
    digits[6] = digits[6] == 'A' ? '9' : '8';
  }
  if (!all_digits(digits)) return {};
  std::uint64_t n = 0;
  for (char c : digits) n = n * 10 + static_cast<std::uint64_t>(c - '0');
  const int key = 97 - static_cast<int>(n % 97);
  std::string out(2, '0');
  out[0] = static_cast<char>('0' + key / 10);
  out[1] = static_cast<char>('0' + key % 10);
  return out;
}

bool is_valid_nir(std::string_view nir15) {
  if (nir15.size() != 15 || (nir15[0] != '1' && nir15[0] != '2')) return false;
  const std::string key = nir_key(nir15.substr(0, 13));
  return !key.empty() && nir15.substr(13) == key;
}

bool is_valid_rpps(std::string_view rpps11) {
  return rpps11.size() == 11 && all_digits(rpps11) && luhn_valid(rpps11);
}

std::string rpps_with_key(std::string_view first10) {
  if (first10.size() != 10 || !all_digits(first10)) return {};
  return std::string(first10) + luhn_key(first10);
}

bool is_valid_finess(std::string_view finess9) {
  return finess9.size() == 9 && all_digits(finess9) && luhn_valid(finess9);
}

std::string finess_with_key(std::string_view first8) {
  if (first8.size() != 8 || !all_digits(first8)) return {};
  return std::string(first8) + luhn_key(first8);
}

}  // namespace parcours::territory
