#include "http/handlers/what_if_json.hpp"

#include <cstdint>
#include <string>

#include "domain/fields.hpp"
#include "http/json_text.hpp"

namespace attrition::http::handlers {
namespace {

std::string ReasonText(serving::NoProposal reason, std::size_t max_changes) {
    switch (reason) {
        case serving::NoProposal::kNone:
            return "";
        case serving::NoProposal::kNotFlagged:
            return "The employee is not flagged: the probability is already under the decision "
                   "threshold.";
        case serving::NoProposal::kOutOfReach:
            return "No change of at most " + std::to_string(max_changes) +
                   (max_changes == 1 ? " input" : " inputs") +
                   " within this version's actions brings the probability under the decision "
                   "threshold.";
    }
    return "";
}

// A numeric input's value as the field table types it: an integer field as an integer.
void WriteNumber(base::JsonWriter& json, std::string_view input, double value) {
    const auto index = domain::NumericIndex(input);
    if (index && domain::NumericFields()[*index].kind == domain::FieldKind::kInteger) {
        json.Int(static_cast<std::int64_t>(value));
    } else {
        json.Double(value);
    }
}

void WriteChange(base::JsonWriter& json, const serving::Change& change, bool described) {
    const auto& input = change.action->input;
    json.BeginObject().Key("feature").String(input);
    if (change.numeric) {
        WriteNumber(json.Key("from"), input, change.from_number);
        WriteNumber(json.Key("to"), input, change.to_number);
    } else {
        json.Key("from").String(change.from_text).Key("to").String(change.to_text);
    }
    if (described) {
        json.Key("goal").Bool(change.action->goal).Key("label").String(change.action->label);
    }
    json.EndObject();
}

void WriteProposals(base::JsonWriter& json, const serving::WhatIf& answer, bool described) {
    json.BeginArray();
    for (const auto& proposal : answer.proposals) {
        json.BeginObject().Key("changes").BeginArray();
        for (const auto& change : proposal.changes) WriteChange(json, change, described);
        json.EndArray();
        json.Key("probability_leave").Fixed(RoundedPercent(proposal.prediction.probability), 2);
        json.Key("will_leave").Bool(proposal.prediction.will_leave);
        if (described) {
            json.Key("risk_level").String(model::RiskLevelName(proposal.prediction.risk));
        }
        json.EndObject();
    }
    json.EndArray();
}

}  // namespace

void WriteActions(base::JsonWriter& json, const model::ActionSpace& actions) {
    json.Raw(model::ActionsToJson(actions)["inputs"].dump());
}

void WriteWhatIf(base::JsonWriter& json,
                 const serving::WhatIf& answer,
                 double decision_threshold,
                 const serving::WhatIfOptions& options) {
    json.Key("probability_leave").Fixed(RoundedPercent(answer.current.probability), 2);
    json.Key("will_leave").Bool(answer.current.will_leave);
    json.Key("risk_level").String(model::RiskLevelName(answer.current.risk));
    json.Key("decision_threshold_percent").Fixed(RoundedPercent(decision_threshold), 2);
    json.Key("proposals");
    WriteProposals(json, answer, true);
    json.Key("reason").StringOrNull(ReasonText(answer.reason, options.max_changes));
    json.Key("note").String(kWhatIfNote);
    json.Key("search").BeginObject().Key("max_changes").Uint(options.max_changes);
    json.Key("exact").Bool(true).Key("evaluated").Uint(answer.evaluated).EndObject();
}

void WriteWhatIfLogged(base::JsonWriter& json,
                       const serving::WhatIf& answer,
                       const serving::WhatIfOptions& options) {
    json.BeginObject().Key("max_changes").Uint(options.max_changes);
    json.Key("proposals_asked").Uint(options.proposals).Key("proposals");
    WriteProposals(json, answer, false);
    json.Key("reason").StringOrNull(ReasonText(answer.reason, options.max_changes)).EndObject();
}

}  // namespace attrition::http::handlers
