#include "fhirpath/ucum.h"

#include <mutex>
#include <string>
#include <unordered_map>

namespace parcours::fhirpath {

namespace {

constexpr Int128 kBig = static_cast<Int128>(1000000000000000000LL) * 1000000000000000000LL;  // 10^36

Scaled normalize(Scaled s) {
  if (s.mantissa == 0) return {0, 0};
  while (s.mantissa % 10 == 0) {
    s.mantissa /= 10;
    ++s.exponent;
  }
  return s;
}

Int128 mag(Int128 v) { return v < 0 ? -v : v; }

// Drops the last digit (rounding half up) to make room.
void shed_digit(Scaled& s) {
  Int128 q = s.mantissa / 10;
  Int128 r = s.mantissa % 10;
  if (r >= 5) ++q;
  if (r <= -5) --q;
  s.mantissa = q;
  ++s.exponent;
}

Scaled mul(Scaled a, Scaled b) {
  a = normalize(a);
  b = normalize(b);
  Int128 m;
  while (__builtin_mul_overflow(a.mantissa, b.mantissa, &m) || mag(m) >= kBig) {
    if (mag(a.mantissa) >= mag(b.mantissa))
      shed_digit(a);
    else
      shed_digit(b);
  }
  return normalize(Scaled{m, a.exponent + b.exponent});
}

std::optional<Scaled> div(Scaled a, Scaled b) {
  a = normalize(a);
  b = normalize(b);
  if (b.mantissa == 0) return std::nullopt;
  // Widen the dividend to 36 digits, divide, round half up.
  int k = 0;
  while (mag(a.mantissa) < kBig / 10 && a.mantissa != 0) {
    a.mantissa *= 10;
    ++k;
  }
  Int128 q = a.mantissa / b.mantissa;
  Int128 r = a.mantissa % b.mantissa;
  if (mag(r) * 2 >= mag(b.mantissa)) q += ((a.mantissa < 0) != (b.mantissa < 0)) ? -1 : 1;
  return normalize(Scaled{q, a.exponent - k - b.exponent});
}

std::optional<Scaled> power(Scaled a, int n) {
  Scaled r{1, 0};
  for (int i = 0; i < (n < 0 ? -n : n); ++i) r = mul(r, a);
  if (n < 0) return div(Scaled{1, 0}, r);
  return r;
}

std::optional<Scaled> from_text(std::string_view text) {
  auto d = Decimal::parse(text);
  if (!d) return std::nullopt;
  return normalize(Scaled{d->mantissa, -d->scale});
}

struct AtomDef {
  std::string_view code;
  bool metric;
  std::string_view value;       // magnitude, or "" for base and special units
  std::string_view definition;  // unit the value is expressed in
  int base_dim;                 // index of the base unit, -1 otherwise
  std::string_view special;     // non-ratio or arbitrary unit key
};

// Atoms from the UCUM tables (§4 base units, §5 derived units), the subset
// clinical data uses.
constexpr AtomDef kAtoms[] = {
    {"m", true, "", "", 0, ""},
    {"s", true, "", "", 1, ""},
    {"g", true, "", "", 2, ""},
    {"rad", true, "", "", 3, ""},
    {"K", true, "", "", 4, ""},
    {"C", true, "", "", 5, ""},
    {"cd", true, "", "", 6, ""},
    // Dimensionless
    {"10*", false, "10", "1", -1, ""},
    {"10^", false, "10", "1", -1, ""},
    {"[pi]", false, "3.14159265358979323846264338327950288", "1", -1, ""},
    {"%", false, "1", "10*-2", -1, ""},
    {"[ppth]", false, "1", "10*-3", -1, ""},
    {"[ppm]", false, "1", "10*-6", -1, ""},
    {"[ppb]", false, "1", "10*-9", -1, ""},
    {"[pptr]", false, "1", "10*-12", -1, ""},
    // SI derived
    {"mol", true, "6.0221367", "10*23", -1, ""},
    {"sr", true, "1", "rad2", -1, ""},
    {"Hz", true, "1", "s-1", -1, ""},
    {"N", true, "1", "kg.m/s2", -1, ""},
    {"Pa", true, "1", "N/m2", -1, ""},
    {"J", true, "1", "N.m", -1, ""},
    {"W", true, "1", "J/s", -1, ""},
    {"A", true, "1", "C/s", -1, ""},
    {"V", true, "1", "J/C", -1, ""},
    {"F", true, "1", "C/V", -1, ""},
    {"Ohm", true, "1", "V/A", -1, ""},
    {"S", true, "1", "Ohm-1", -1, ""},
    {"Wb", true, "1", "V.s", -1, ""},
    {"T", true, "1", "Wb/m2", -1, ""},
    {"H", true, "1", "Wb/A", -1, ""},
    {"lm", true, "1", "cd.sr", -1, ""},
    {"lx", true, "1", "lm/m2", -1, ""},
    {"Bq", true, "1", "s-1", -1, ""},
    {"Gy", true, "1", "J/kg", -1, ""},
    {"Sv", true, "1", "J/kg", -1, ""},
    {"kat", true, "1", "mol/s", -1, ""},
    {"U", true, "1", "umol/min", -1, ""},
    {"eq", true, "1", "mol", -1, ""},
    {"osm", true, "1", "mol", -1, ""},
    // Angles
    {"deg", false, "2", "[pi].rad/360", -1, ""},
    {"gon", false, "0.9", "deg", -1, ""},
    {"'", false, "1", "deg/60", -1, ""},
    {"''", false, "1", "'/60", -1, ""},
    // Volume, area
    {"l", true, "1", "dm3", -1, ""},
    {"L", true, "1", "l", -1, ""},
    {"ar", true, "100", "m2", -1, ""},
    {"st", true, "1", "m3", -1, ""},
    // Time
    {"min", false, "60", "s", -1, ""},
    {"h", false, "60", "min", -1, ""},
    {"d", false, "24", "h", -1, ""},
    {"wk", false, "7", "d", -1, ""},
    {"a_t", false, "365.24219", "d", -1, ""},
    {"a_j", false, "365.25", "d", -1, ""},
    {"a_g", false, "365.2425", "d", -1, ""},
    {"a", false, "1", "a_j", -1, ""},
    {"mo_s", false, "29.53059", "d", -1, ""},
    {"mo_j", false, "1", "a_j/12", -1, ""},
    {"mo_g", false, "1", "a_g/12", -1, ""},
    {"mo", false, "1", "mo_j", -1, ""},
    // Mass, pressure, energy
    {"t", true, "1000", "kg", -1, ""},
    {"u", true, "1.6605402e-24", "g", -1, ""},
    {"bar", true, "100000", "Pa", -1, ""},
    {"atm", false, "101325", "Pa", -1, ""},
    {"m[H2O]", true, "9.80665", "kPa", -1, ""},
    {"m[Hg]", true, "133.3220", "kPa", -1, ""},
    {"[in_i'H2O]", false, "1", "m[H2O].[in_i]/m", -1, ""},
    {"[in_i'Hg]", false, "1", "m[Hg].[in_i]/m", -1, ""},
    {"eV", true, "1.60217733e-19", "J", -1, ""},
    {"cal", true, "4.184", "J", -1, ""},
    {"[Cal]", false, "1", "kcal", -1, ""},
    {"dyn", true, "1", "g.cm/s2", -1, ""},
    {"erg", true, "1", "dyn.cm", -1, ""},
    {"P", true, "1", "dyn.s/cm2", -1, ""},
    {"St", true, "1", "cm2/s", -1, ""},
    {"G", true, "0.0001", "T", -1, ""},
    {"Ci", true, "37000000000", "Bq", -1, ""},
    {"R", true, "0.000258", "C/kg", -1, ""},
    {"RAD", true, "100", "erg/g", -1, ""},
    {"REM", true, "1", "RAD", -1, ""},
    {"mho", true, "1", "S", -1, ""},
    {"Ao", false, "0.1", "nm", -1, ""},
    {"[c]", true, "299792458", "m/s", -1, ""},
    {"[g]", true, "9.80665", "m/s2", -1, ""},
    {"bit", true, "1", "1", -1, ""},
    {"By", true, "8", "bit", -1, ""},
    {"Bd", true, "1", "s-1", -1, ""},
    {"g%", true, "1", "g/dl", -1, ""},
    // International customary
    {"[in_i]", false, "2.54", "cm", -1, ""},
    {"[ft_i]", false, "12", "[in_i]", -1, ""},
    {"[yd_i]", false, "3", "[ft_i]", -1, ""},
    {"[mi_i]", false, "5280", "[ft_i]", -1, ""},
    {"[nmi_i]", false, "1852", "m", -1, ""},
    {"[sin_i]", false, "1", "[in_i]2", -1, ""},
    {"[sft_i]", false, "1", "[ft_i]2", -1, ""},
    {"[cin_i]", false, "1", "[in_i]3", -1, ""},
    {"[cft_i]", false, "1", "[ft_i]3", -1, ""},
    {"[gr]", false, "64.79891", "mg", -1, ""},
    {"[lb_av]", false, "7000", "[gr]", -1, ""},
    {"[oz_av]", false, "0.0625", "[lb_av]", -1, ""},
    {"[dr_av]", false, "0.0625", "[oz_av]", -1, ""},
    {"[stone_av]", false, "14", "[lb_av]", -1, ""},
    {"[gal_us]", false, "231", "[in_i]3", -1, ""},
    {"[qt_us]", false, "0.25", "[gal_us]", -1, ""},
    {"[pt_us]", false, "0.5", "[qt_us]", -1, ""},
    {"[gil_us]", false, "0.25", "[pt_us]", -1, ""},
    {"[foz_us]", false, "0.25", "[gil_us]", -1, ""},
    {"[tbs_us]", false, "0.5", "[foz_us]", -1, ""},
    {"[tsp_us]", false, "1", "[tbs_us]/3", -1, ""},
    {"[cup_us]", false, "16", "[tbs_us]", -1, ""},
    {"[gal_br]", false, "4.54609", "l", -1, ""},
    {"[pt_br]", false, "0.125", "[gal_br]", -1, ""},
    {"[foz_br]", false, "0.05", "[pt_br]", -1, ""},
    {"[drp]", false, "0.05", "ml", -1, ""},
    {"[degR]", false, "5", "K/9", -1, ""},
    {"[HPF]", false, "1", "1", -1, ""},
    {"[LPF]", false, "100", "1", -1, ""},
    // Non-ratio scales and arbitrary units: comparable only with themselves.
    {"Cel", true, "", "", -1, "Cel"},
    {"[degF]", false, "", "", -1, "[degF]"},
    {"[pH]", false, "", "", -1, "[pH]"},
    {"[iU]", true, "", "", -1, "[iU]"},
    {"[IU]", true, "", "", -1, "[iU]"},
    {"[arb'U]", false, "", "", -1, "[arb'U]"},
    {"[USP'U]", false, "", "", -1, "[USP'U]"},
    {"[CFU]", false, "", "", -1, "[CFU]"},
    {"[PFU]", false, "", "", -1, "[PFU]"},
    {"[AU]", false, "", "", -1, "[AU]"},
    {"[BAU]", false, "", "", -1, "[BAU]"},
    {"[KIU]", false, "", "", -1, "[KIU]"},
    {"[FFU]", false, "", "", -1, "[FFU]"},
};

struct Prefix {
  std::string_view code;
  int exponent;
};
constexpr Prefix kPrefixes[] = {
    {"Y", 24}, {"Z", 21},  {"E", 18},  {"P", 15},  {"T", 12},  {"G", 9},   {"M", 6},
    {"k", 3},  {"h", 2},   {"da", 1},  {"d", -1},  {"c", -2},  {"m", -3},  {"u", -6},
    {"n", -9}, {"p", -12}, {"f", -15}, {"a", -18}, {"z", -21}, {"y", -24},
};

const AtomDef* find_atom(std::string_view code) {
  for (const AtomDef& a : kAtoms)
    if (a.code == code) return &a;
  return nullptr;
}

class UnitParser {
 public:
  UnitParser(std::string_view text, int depth) : s_(text), depth_(depth) {}

  std::optional<CanonicalUnit> parse() {
    if (s_.empty() || depth_ > 8) return std::nullopt;
    auto u = term();
    if (!u || pos_ != s_.size()) return std::nullopt;
    return u;
  }

 private:
  static CanonicalUnit unity() { return CanonicalUnit{}; }

  static CanonicalUnit combine(const CanonicalUnit& a, const CanonicalUnit& b, bool divide) {
    CanonicalUnit r;
    if (divide) {
      auto f = div(a.factor, b.factor);
      r.factor = f ? *f : Scaled{0, 0};
    } else {
      r.factor = mul(a.factor, b.factor);
    }
    for (int i = 0; i < CanonicalUnit::kDims; ++i)
      r.dims[i] = static_cast<std::int8_t>(divide ? a.dims[i] - b.dims[i] : a.dims[i] + b.dims[i]);
    if (!b.special.empty())
      r.special = a.special + (divide ? "/" : ".") + b.special;
    else
      r.special = a.special;
    return r;
  }

  static std::optional<CanonicalUnit> raise(CanonicalUnit u, int n) {
    auto f = power(u.factor, n);
    if (!f) return std::nullopt;
    u.factor = *f;
    for (auto& d : u.dims) d = static_cast<std::int8_t>(d * n);
    if (!u.special.empty() && n != 1) u.special += "^" + std::to_string(n);
    return u;
  }

  std::optional<CanonicalUnit> term() {
    CanonicalUnit acc = unity();
    bool divide = false;
    if (pos_ < s_.size() && s_[pos_] == '/') {
      divide = true;
      ++pos_;
    }
    while (true) {
      auto c = component();
      if (!c) return std::nullopt;
      acc = combine(acc, *c, divide);
      if (pos_ < s_.size() && (s_[pos_] == '.' || s_[pos_] == '/')) {
        divide = s_[pos_] == '/';
        ++pos_;
        continue;
      }
      return acc;
    }
  }

  bool annotation() {
    if (pos_ >= s_.size() || s_[pos_] != '{') return false;
    std::size_t end = s_.find('}', pos_);
    if (end == std::string_view::npos) return false;
    pos_ = end + 1;
    return true;
  }

  std::optional<CanonicalUnit> component() {
    if (pos_ >= s_.size()) return std::nullopt;
    if (s_[pos_] == '{') {
      if (!annotation()) return std::nullopt;
      return unity();
    }
    if (s_[pos_] == '(') {
      ++pos_;
      auto inner = term();
      if (!inner || pos_ >= s_.size() || s_[pos_] != ')') return std::nullopt;
      ++pos_;
      std::size_t start = pos_;
      while (pos_ < s_.size() && ((s_[pos_] >= '0' && s_[pos_] <= '9') || s_[pos_] == '-' || s_[pos_] == '+'))
        ++pos_;
      if (pos_ > start) {
        auto e = exponent(s_.substr(start, pos_ - start));
        if (!e) return std::nullopt;
        inner = raise(*inner, *e);
      }
      return inner;
    }
    // A symbol runs to the next operator outside brackets.
    std::size_t start = pos_;
    int depth = 0;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '[') ++depth;
      if (c == ']') --depth;
      if (depth == 0 && (c == '.' || c == '/' || c == '(' || c == ')' || c == '{')) break;
      ++pos_;
    }
    if (depth != 0) return std::nullopt;
    std::string_view tok = s_.substr(start, pos_ - start);
    if (tok.empty()) return std::nullopt;
    auto u = simple(tok);
    if (!u) return std::nullopt;
    if (pos_ < s_.size() && s_[pos_] == '{' && !annotation()) return std::nullopt;
    return u;
  }

  static std::optional<int> exponent(std::string_view e) {
    std::size_t i = 0;
    bool neg = false;
    if (i < e.size() && (e[i] == '+' || e[i] == '-')) neg = e[i++] == '-';
    if (i == e.size() || e.size() - i > 2) return std::nullopt;
    int v = 0;
    for (; i < e.size(); ++i) {
      if (e[i] < '0' || e[i] > '9') return std::nullopt;
      v = v * 10 + (e[i] - '0');
    }
    return neg ? -v : v;
  }

  std::optional<CanonicalUnit> simple(std::string_view tok) {
    bool all_digits = true;
    for (char c : tok) all_digits = all_digits && c >= '0' && c <= '9';
    if (all_digits) {
      // A positive integer factor (UCUM §2.2 ¶9).
      if (tok.size() > 30) return std::nullopt;
      auto f = from_text(tok);
      if (!f) return std::nullopt;
      CanonicalUnit u;
      u.factor = *f;
      return u;
    }
    // Trailing exponent: digits after the last ']' with an optional sign.
    std::size_t cut = tok.size();
    std::size_t floor = tok.rfind(']');
    floor = floor == std::string_view::npos ? 0 : floor + 1;
    while (cut > floor && tok[cut - 1] >= '0' && tok[cut - 1] <= '9') --cut;
    int exp = 1;
    if (cut < tok.size()) {
      std::size_t sign = cut;
      if (sign > floor && (tok[sign - 1] == '-' || tok[sign - 1] == '+')) --sign;
      // "10*3": the '*' belongs to the atom, the 3 is the exponent.
      if (sign == 0) return std::nullopt;
      auto e = exponent(tok.substr(sign));
      if (!e) return std::nullopt;
      exp = *e;
      cut = sign;
    }
    auto atom = atom_unit(tok.substr(0, cut));
    if (!atom) return std::nullopt;
    if (exp == 1) return atom;
    return raise(*atom, exp);
  }

  std::optional<CanonicalUnit> atom_unit(std::string_view sym) {
    if (const AtomDef* a = find_atom(sym)) return define(*a);
    for (const Prefix& p : kPrefixes) {
      if (sym.size() <= p.code.size() || sym.substr(0, p.code.size()) != p.code) continue;
      const AtomDef* a = find_atom(sym.substr(p.code.size()));
      if (!a || !a->metric) continue;
      auto u = define(*a);
      if (!u) return std::nullopt;
      u->factor = mul(u->factor, Scaled{1, p.exponent});
      return u;
    }
    return std::nullopt;
  }

  std::optional<CanonicalUnit> define(const AtomDef& a) {
    CanonicalUnit u;
    if (a.base_dim >= 0) {
      u.dims[static_cast<std::size_t>(a.base_dim)] = 1;
      return u;
    }
    if (!a.special.empty()) {
      u.special = std::string(a.special);
      return u;
    }
    auto value = from_text(a.value);
    if (!value) return std::nullopt;
    std::optional<CanonicalUnit> def;
    if (a.definition == "1") {
      def = unity();
    } else {
      def = UnitParser(a.definition, depth_ + 1).parse();
    }
    if (!def) return std::nullopt;
    def->factor = mul(def->factor, *value);
    return def;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int depth_;
};

}  // namespace

std::optional<CanonicalUnit> canonical_unit(std::string_view ucum) {
  if (ucum.size() > 256) return std::nullopt;
  static std::mutex mu;
  static std::unordered_map<std::string, std::optional<CanonicalUnit>> cache;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(std::string(ucum));
    if (it != cache.end()) return it->second;
  }
  std::optional<CanonicalUnit> u;
  if (ucum == "1")
    u = CanonicalUnit{};
  else
    u = UnitParser(ucum, 0).parse();
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() > 4096) cache.clear();
  cache.emplace(std::string(ucum), u);
  return u;
}

std::optional<Scaled> to_base(const Decimal& value, const CanonicalUnit& unit) {
  return mul(Scaled{value.mantissa, -value.scale}, unit.factor);
}

int compare(const Scaled& a0, const Scaled& b0) {
  Scaled a = normalize(a0), b = normalize(b0);
  int sa = a.mantissa < 0 ? -1 : a.mantissa > 0 ? 1 : 0;
  int sb = b.mantissa < 0 ? -1 : b.mantissa > 0 ? 1 : 0;
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  // Align the larger exponent down; overflow means a larger magnitude.
  auto align = [](Scaled& hi, int target) {
    while (hi.exponent > target) {
      Int128 m;
      if (__builtin_mul_overflow(hi.mantissa, 10, &m)) return false;
      hi.mantissa = m;
      --hi.exponent;
    }
    return true;
  };
  if (a.exponent > b.exponent) {
    if (!align(a, b.exponent)) return sa;
  } else if (b.exponent > a.exponent) {
    if (!align(b, a.exponent)) return -sa;
  }
  return a.mantissa < b.mantissa ? -1 : a.mantissa > b.mantissa ? 1 : 0;
}

std::optional<Decimal> from_base(const Scaled& base, const CanonicalUnit& unit, int scale, int min_scale) {
  auto v = div(base, unit.factor);
  if (!v) return std::nullopt;
  Decimal d;
  if (v->exponent >= 0) {
    Int128 m = v->mantissa;
    for (int i = 0; i < v->exponent; ++i)
      if (__builtin_mul_overflow(m, 10, &m)) return std::nullopt;
    d = Decimal{m, 0};
  } else {
    d = Decimal{v->mantissa, -v->exponent};
    if (d.scale > scale) {
      auto r = rescale(d, scale);
      if (!r) return std::nullopt;
      d = *r;
    }
  }
  d = strip_zeros(d, min_scale);
  if (d.scale < min_scale) {
    auto r = rescale(d, min_scale);
    if (r) d = *r;
  }
  return d;
}

}  // namespace parcours::fhirpath
