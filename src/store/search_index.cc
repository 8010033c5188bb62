#include "store/search_index.h"

#include <cstdio>

namespace parcours::store {

RowCond RowCond::all(std::vector<RowCond> kids) {
  std::vector<RowCond> keep;
  for (auto& k : kids) {
    if (k.kind == Kind::True) continue;
    if (k.kind == Kind::False) return never();
    if (k.kind == Kind::And) {
      for (auto& g : k.kids) keep.push_back(std::move(g));
    } else {
      keep.push_back(std::move(k));
    }
  }
  if (keep.empty()) return always();
  if (keep.size() == 1) return std::move(keep.front());
  RowCond c;
  c.kind = Kind::And;
  c.kids = std::move(keep);
  return c;
}

RowCond RowCond::any(std::vector<RowCond> kids) {
  std::vector<RowCond> keep;
  for (auto& k : kids) {
    if (k.kind == Kind::False) continue;
    if (k.kind == Kind::True) return always();
    if (k.kind == Kind::Or) {
      for (auto& g : k.kids) keep.push_back(std::move(g));
    } else {
      keep.push_back(std::move(k));
    }
  }
  if (keep.empty()) return never();
  if (keep.size() == 1) return std::move(keep.front());
  RowCond c;
  c.kind = Kind::Or;
  c.kids = std::move(keep);
  return c;
}

RowCond RowCond::negate(RowCond kid) {
  if (kid.kind == Kind::True) return never();
  if (kid.kind == Kind::False) return always();
  if (kid.kind == Kind::Not) return std::move(kid.kids.front());
  RowCond c;
  c.kind = Kind::Not;
  c.kids.push_back(std::move(kid));
  return c;
}

bool Predicate::drivable() const {
  switch (kind) {
    case Kind::NoMatch:
    case Kind::Not:
      return false;
    case Kind::Any:
      for (const auto& s : sub)
        if (!s.drivable()) return false;
      return true;
    case Kind::All:
      for (const auto& s : sub)
        if (s.drivable()) return true;
      return false;
    case Kind::Match:
      return cond.kind != RowCond::Kind::Not;
    default:
      return true;
  }
}

std::string_view to_string(IndexTable t) {
  switch (t) {
    case IndexTable::Token:
      return "token";
    case IndexTable::String:
      return "string";
    case IndexTable::Date:
      return "date";
    case IndexTable::Number:
      return "number";
    case IndexTable::Quantity:
      return "quantity";
    case IndexTable::Reference:
      return "reference";
    case IndexTable::Uri:
      return "uri";
    case IndexTable::Position:
      return "position";
  }
  return "?";
}

std::string_view to_string(Column c) {
  switch (c) {
    case Column::System:
      return "system";
    case Column::Code:
      return "code";
    case Column::Norm:
      return "norm";
    case Column::Exact:
      return "exact";
    case Column::Low:
      return "low";
    case Column::High:
      return "high";
    case Column::Value:
      return "value";
    case Column::Unit:
      return "unit";
    case Column::UnitSystem:
      return "unit_system";
    case Column::CanonValue:
      return "canon_value";
    case Column::CanonUnit:
      return "canon_unit";
    case Column::RefType:
      return "ref_type";
    case Column::RefId:
      return "ref_id";
    case Column::RefVersion:
      return "ref_version";
    case Column::Uri:
      return "uri";
    case Column::Latitude:
      return "latitude";
    case Column::Longitude:
      return "longitude";
  }
  return "?";
}

namespace {

std::string value_text(const PlanValue& v) {
  struct V {
    std::string operator()(std::monostate) const { return "missing"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", d);
      return buf;
    }
    std::string operator()(const std::string& s) const { return "'" + s + "'"; }
  };
  return std::visit(V{}, v);
}

const char* op_text(CmpOp op) {
  switch (op) {
    case CmpOp::Eq:
      return "=";
    case CmpOp::Ne:
      return "!=";
    case CmpOp::Lt:
      return "<";
    case CmpOp::Le:
      return "<=";
    case CmpOp::Gt:
      return ">";
    case CmpOp::Ge:
      return ">=";
    case CmpOp::StartsWith:
      return "starts-with";
    case CmpOp::Contains:
      return "contains";
    case CmpOp::EndsWith:
      return "ends-with";
    case CmpOp::In:
      return "in";
  }
  return "?";
}

}  // namespace

std::string describe(const RowCond& c) {
  switch (c.kind) {
    case RowCond::Kind::True:
      return "true";
    case RowCond::Kind::False:
      return "false";
    case RowCond::Kind::Cmp: {
      std::string s = std::string(to_string(c.column)) + " " + op_text(c.op) + " ";
      if (c.op == CmpOp::In) {
        s += "(";
        for (std::size_t i = 0; i < c.values.size(); ++i) s += (i ? ", " : "") + value_text(c.values[i]);
        return s + ")";
      }
      return s + (c.values.empty() ? "" : value_text(c.values.front()));
    }
    case RowCond::Kind::And:
    case RowCond::Kind::Or: {
      std::string s = "(";
      for (std::size_t i = 0; i < c.kids.size(); ++i)
        s += (i ? (c.kind == RowCond::Kind::And ? " and " : " or ") : "") + describe(c.kids[i]);
      return s + ")";
    }
    case RowCond::Kind::Not:
      return "not " + describe(c.kids.front());
    case RowCond::Kind::Near:
      return "near(" + value_text(c.values.at(0)) + ", " + value_text(c.values.at(1)) + ", " +
             value_text(c.values.at(2)) + " km)";
  }
  return "?";
}

std::string describe(const Predicate& p) {
  auto subs = [&](const char* sep) {
    std::string s;
    for (std::size_t i = 0; i < p.sub.size(); ++i) s += (i ? sep : "") + describe(p.sub[i]);
    return s;
  };
  std::string est = p.estimate >= 0 ? " ~" + std::to_string(p.estimate) : "";
  switch (p.kind) {
    case Predicate::Kind::Match:
      return p.param + " [" + std::string(to_string(p.table)) + "] " + describe(p.cond) + est;
    case Predicate::Kind::CodeText:
      return p.param + " code implies text " + describe(p.cond) + est;
    case Predicate::Kind::NoMatch:
      return "no " + p.param + " [" + std::string(to_string(p.table)) + "] " + describe(p.cond);
    case Predicate::Kind::Composite: {
      std::string s = "composite(";
      for (std::size_t i = 0; i < p.components.size(); ++i)
        s += (i ? "; " : "") + p.components[i].param + " " + describe(p.components[i].cond);
      return s + ")" + est;
    }
    case Predicate::Kind::Chain:
      return p.param + " " + describe(p.cond) + " -> (" + subs(" and ") + ")" + est;
    case Predicate::Kind::Has:
      return "has " + p.param + " <- (" + subs(" and ") + ")" + est;
    case Predicate::Kind::Id: {
      std::string s = "_id in (";
      for (std::size_t i = 0; i < p.values.size(); ++i) s += (i ? ", " : "") + p.values[i];
      return s + ")" + est;
    }
    case Predicate::Kind::LastUpdated:
      return "_lastUpdated " + describe(p.cond) + est;
    case Predicate::Kind::Compartment:
      return "compartment Patient/" + (p.values.empty() ? std::string() : p.values.front()) + est;
    case Predicate::Kind::ReferencedBy:
      return "referenced by " + (p.types.empty() ? std::string() : p.types.front()) + "/" +
             (p.values.empty() ? std::string() : p.values.front()) + est;
    case Predicate::Kind::Text:
      return std::string(p.column == Column::Norm ? "_text" : "_content") + " match " +
             (p.values.empty() ? std::string() : p.values.front()) + est;
    case Predicate::Kind::Any:
      return "(" + subs(" or ") + ")" + est;
    case Predicate::Kind::All:
      return "(" + subs(" and ") + ")" + est;
    case Predicate::Kind::Not:
      return "not " + subs("");
    case Predicate::Kind::Nothing:
      return "nothing";
  }
  return "?";
}

}  // namespace parcours::store
