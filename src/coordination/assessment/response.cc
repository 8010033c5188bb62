#include "coordination/assessment/response.h"

#include <algorithm>

namespace parcours::coordination {
namespace {

Issue error(std::string code, std::string diagnostics, std::string expression) {
  return Issue{"error", std::move(code), std::move(diagnostics), std::move(expression)};
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

AnswerValue read_answer(const Json& answer, std::string path) {
  AnswerValue a;
  a.path = std::move(path);
  if (!answer.is_object()) return a;
  for (const auto& [key, value] : answer.as_object()) {
    if (key.rfind("value", 0) != 0) continue;  // extension, item...
    a.key = key;
    if (key == "valueBoolean" && value.is_bool()) {
      a.kind = AnswerValue::Kind::kBoolean;
      a.boolean = value.as_bool();
    } else if (key == "valueInteger" && value.to_int64()) {
      a.kind = AnswerValue::Kind::kInteger;
      a.integer = *value.to_int64();
    } else if (key == "valueCoding" && value.is_object()) {
      a.kind = AnswerValue::Kind::kCoding;
      a.system = std::string(value.get_string("system"));
      a.code = std::string(value.get_string("code"));
    }
    break;
  }
  return a;
}

void read_items(const Json& holder, const std::string& path, std::vector<ResponseItem>& out,
                std::vector<Issue>& errors) {
  const Json* items = holder.find("item");
  if (!items || !items->is_array()) return;
  for (std::size_t i = 0; i < items->as_array().size(); ++i) {
    const Json& item = items->as_array()[i];
    const std::string item_path = path + ".item[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      errors.push_back(error("structure", "QuestionnaireResponse items must be objects", item_path));
      continue;
    }
    ResponseItem r;
    r.link_id = std::string(item.get_string("linkId"));
    r.path = item_path;
    if (r.link_id.empty()) {
      errors.push_back(error("required", "Item without a linkId", item_path + ".linkId"));
      continue;
    }
    const Json* answers = item.find("answer");
    if (answers && answers->is_array()) {
      for (std::size_t k = 0; k < answers->as_array().size(); ++k) {
        const std::string answer_path = item_path + ".answer[" + std::to_string(k) + "]";
        r.answers.push_back(read_answer(answers->as_array()[k], answer_path));
      }
    }
    out.push_back(std::move(r));
    read_items(item, item_path, out, errors);
    if (answers && answers->is_array())
      for (std::size_t k = 0; k < answers->as_array().size(); ++k)
        read_items(answers->as_array()[k], item_path + ".answer[" + std::to_string(k) + "]", out, errors);
  }
}

std::string_view type_name(ItemType t) {
  switch (t) {
    case ItemType::kGroup:
      return "group";
    case ItemType::kChoice:
      return "choice";
    case ItemType::kBoolean:
      return "boolean";
  }
  return "";
}

}  // namespace

std::string item_expression(std::string_view link_id) {
  return "QuestionnaireResponse.repeat(item).where(linkId = '" + std::string(link_id) + "')";
}

ResponseItems ResponseItems::read(const Json& qr, std::vector<Issue>& errors) {
  ResponseItems r;
  read_items(qr, "QuestionnaireResponse", r.items_, errors);
  for (std::size_t i = 0; i < r.items_.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (r.items_[i].link_id == r.items_[j].link_id) {
        errors.push_back(error("structure",
                               "Item " + quoted(r.items_[i].link_id) + " appears twice (also at " +
                                   r.items_[j].path + "); it does not repeat",
                               r.items_[i].path));
        break;
      }
  return r;
}

void ResponseItems::validate(const std::vector<ItemDef>& defs, std::vector<Issue>& errors) {
  for (ResponseItem& item : items_) {
    const ItemDef* def = find_def(defs, item.link_id);
    if (!def) {
      errors.push_back(error("structure",
                             "Unknown item " + quoted(item.link_id) + ": not in this questionnaire",
                             item.path + ".linkId"));
      item.answers.clear();
      continue;
    }
    if (item.answers.empty()) continue;
    if (def->type == ItemType::kGroup) {
      errors.push_back(error("structure", "Item " + quoted(item.link_id) + " is a group and takes no answer",
                             item.path + ".answer"));
      item.answers.clear();
      continue;
    }
    if (item.answers.size() > 1) {
      errors.push_back(error("structure",
                             "Item " + quoted(item.link_id) + " takes a single answer, found " +
                                 std::to_string(item.answers.size()),
                             item.path + ".answer"));
      item.answers.clear();
      continue;
    }
    const AnswerValue& a = item.answers.front();
    const std::string what = "Item " + quoted(item.link_id) + " (" + std::string(type_name(def->type)) + ")";
    bool ok = false;
    switch (def->type) {
      case ItemType::kBoolean:
        ok = a.kind == AnswerValue::Kind::kBoolean;
        if (!ok)
          errors.push_back(
              error("value", what + " expects valueBoolean, found " + (a.key.empty() ? "no value" : a.key),
                    a.path));
        break;
      case ItemType::kChoice: {
        if (a.kind != AnswerValue::Kind::kCoding) {
          errors.push_back(error(
              "value", what + " expects valueCoding, found " + (a.key.empty() ? "no value" : a.key), a.path));
          break;
        }
        if (a.system != def->system) {
          errors.push_back(error(
              "code-invalid", what + ": answer system " + quoted(a.system) + " is not " + quoted(def->system),
              a.path + ".valueCoding.system"));
          break;
        }
        ok = std::any_of(def->options.begin(), def->options.end(),
                         [&](const OptionDef& o) { return o.code == a.code; });
        if (!ok) {
          std::string allowed;
          for (const OptionDef& o : def->options)
            allowed += (allowed.empty() ? "" : ", ") + std::string(o.code);
          errors.push_back(
              error("code-invalid",
                    what + ": code " + quoted(a.code) + " is not one of the answers (" + allowed + ")",
                    a.path + ".valueCoding.code"));
        }
        break;
      }
      case ItemType::kGroup:
        break;
    }
    if (!ok) item.answers.clear();
  }
}

const ResponseItem* ResponseItems::find(std::string_view link_id) const {
  for (const ResponseItem& i : items_)
    if (i.link_id == link_id) return &i;
  return nullptr;
}

bool ResponseItems::answered(std::string_view link_id) const {
  const ResponseItem* i = find(link_id);
  return i && !i->answers.empty();
}

std::optional<std::string_view> ResponseItems::code(std::string_view link_id) const {
  const ResponseItem* i = find(link_id);
  if (!i || i->answers.empty() || i->answers.front().kind != AnswerValue::Kind::kCoding) return std::nullopt;
  return std::string_view(i->answers.front().code);
}

std::optional<bool> ResponseItems::boolean(std::string_view link_id) const {
  const ResponseItem* i = find(link_id);
  if (!i || i->answers.empty() || i->answers.front().kind != AnswerValue::Kind::kBoolean) return std::nullopt;
  return i->answers.front().boolean;
}

const ItemDef* find_def(const std::vector<ItemDef>& defs, std::string_view link_id) {
  for (const ItemDef& d : defs)
    if (d.link_id == link_id) return &d;
  return nullptr;
}

std::optional<int> option_score(const ResponseItems& r, const ItemDef& def) {
  auto code = r.code(def.link_id);
  if (!code) return std::nullopt;
  for (const OptionDef& o : def.options)
    if (o.code == *code) return o.score;
  return std::nullopt;
}

std::vector<std::string> missing_required(const ResponseItems& r, const std::vector<ItemDef>& defs) {
  std::vector<std::string> out;
  for (const ItemDef& d : defs)
    if (d.required && d.type != ItemType::kGroup && !r.answered(d.link_id)) out.emplace_back(d.link_id);
  return out;
}

}  // namespace parcours::coordination
