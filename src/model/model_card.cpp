#include "model/model_card.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <string_view>
#include <vector>

#include "domain/fields.hpp"
#include "model/fairness.hpp"

namespace attrition::model {
namespace {

using Out = std::back_insert_iterator<std::string>;

std::string Fixed(double value, int decimals = 3) {
    if (std::isnan(value)) return "n/a";
    return fmt::format("{:.{}f}", value, decimals);
}

std::string Percent(double share) { return fmt::format("{:.1f} %", share * 100); }

std::string OrDash(const std::optional<double>& value) { return value ? Fixed(*value) : "–"; }

std::string Join(const std::vector<std::string>& values) {
    std::string out;
    for (const auto& value : values) out += (out.empty() ? "" : ", ") + value;
    return out;
}

void Model(Out out, const ModelMetadata& m) {
    const auto& h = m.hyperparameters;
    fmt::format_to(out,
                   "## Model\n\n"
                   "- Gradient-boosted decision trees (XGBoost 1.7, `binary:logistic`): {} trees "
                   "of depth at "
                   "most {}, learning rate {}, subsample {}, L1 {} and L2 {} regularisation, "
                   "seed {}; scored by the service's own exact reimplementation of the trees.\n"
                   "- Output: the probability that the employee leaves the company "
                   "(`a_quitte_l_entreprise` = `Oui` in training); `will_leave` when it is at "
                   "least the decision threshold **{}**; risk level LOW below {}, MEDIUM below "
                   "{}, HIGH above.\n"
                   "- Explanations: exact TreeSHAP contributions per input "
                   "(`POST /api/v1/explain`).\n"
                   "- Trained {} by `attrition train`.\n\n",
                   h.n_estimators, h.max_depth, h.learning_rate, h.subsample, h.reg_alpha,
                   h.reg_lambda, h.seed, m.decision_threshold, m.risk.low_below,
                   m.risk.medium_below, m.training_date);
}

void Use(Out out) {
    fmt::format_to(
        out,
        "## Intended use\n\n"
        "A **decision aid** for HR analysts and managers: it points at employees who may be "
        "about to leave and at the factors behind each score, so that a person who knows the "
        "employee can look closer, talk with them and act on what can be changed (workload, "
        "overtime, pay, career path). A human stays in the loop of every use.\n\n"
        "## Out of scope: misuse\n\n"
        "- **Never an automated decision about a person.** No dismissal, promotion, pay, "
        "assignment or any other decision may be taken on the score alone (GDPR article 22; "
        "AI used in employment is high-risk under the EU AI Act, Annex III).\n"
        "- Not a judgement of performance or loyalty, and not a reason to treat an employee "
        "less favourably.\n"
        "- Not for populations unlike the training one (another company, country or period) "
        "without checking drift and live performance first (`docs/monitoring.md`).\n"
        "- Not to infer personal characteristics: gender, marital status and age are inputs "
        "because the original model used them; their effect is monitored below.\n\n");
}

// Who the training rows were: TechNova's extracts, the prediction log, or both.
std::string Population(const ModelMetadata& m) {
    if (!m.training_log) return "employees of TechNova";
    return m.input_files.empty() ? "employees from the prediction log"
                                 : "employees (TechNova's extracts and the prediction log)";
}

void Data(Out out, const ModelMetadata& m) {
    fmt::format_to(out, "## Training data\n\n");
    const std::size_t from_log = m.training_log ? m.training_log->rows : 0;
    if (!m.input_files.empty()) {
        const std::size_t rows = m.training_rows - from_log;
        const std::size_t positives =
            m.positive_rows - (m.training_log ? m.training_log->positives : 0);
        fmt::format_to(out,
                       "{} employees of TechNova, {} of whom left ({}), joined on the employee "
                       "number from three extracts:\n\n"
                       "| file | SHA-256 |\n|---|---|\n",
                       rows, positives,
                       Percent(static_cast<double>(positives) /
                               static_cast<double>(std::max<std::size_t>(rows, 1))));
        for (const auto& file : m.input_files) {
            fmt::format_to(out, "| `{}` | `{}` |\n", file.name, file.sha256);
        }
        fmt::format_to(out, "\n");
    }
    if (const auto& log = m.training_log) {
        fmt::format_to(
            out,
            "{} employees from the prediction log `{}`, {} of whom left ({}): for each, the "
            "latest prediction{} made at least {} days before {} whose outcome was known (judged "
            "as live performance judges it: left within those days, or still there after "
            "them), with the features the log kept of it and that outcome as its label.\n\n",
            log->rows, log->database, log->positives,
            Percent(static_cast<double>(log->positives) /
                    static_cast<double>(std::max<std::size_t>(log->rows, 1))),
            log->model_version.empty() ? "" : " of `" + log->model_version + "`", log->horizon_days,
            log->as_of);
    }
}

void Features(Out out, const ModelMetadata& m) {
    fmt::format_to(out,
                   "## Features\n\n"
                   "{} numeric inputs, with the range seen in training (a value outside it is "
                   "scored with a warning: the model extrapolates) and the median that imputes "
                   "a missing one:\n\n"
                   "| input | training range | median |\n|---|---|---|\n",
                   domain::kNumericCount);
    for (std::size_t i = 0; i < domain::kNumericCount; ++i) {
        fmt::format_to(out, "| `{}` | {} – {} | {} |\n", domain::NumericFields()[i].name,
                       m.numeric_min[i], m.numeric_max[i], m.encoding.numeric_medians[i]);
    }
    fmt::format_to(out,
                   "\n{} categorical inputs (one-hot encoded), with their training values and "
                   "the most frequent one:\n\n"
                   "| input | values | most frequent |\n|---|---|---|\n",
                   domain::kCategoricalCount);
    for (std::size_t i = 0; i < domain::kCategoricalCount; ++i) {
        fmt::format_to(out, "| `{}` | {} | {} |\n", domain::CategoricalFields()[i].name,
                       Join(m.encoding.vocabulary[i]), m.encoding.modes[i]);
    }
    if (!m.encoding.optional.empty()) {
        fmt::format_to(out,
                       "\nOptional inputs: a request may leave them out, and they are then "
                       "imputed (with a warning):\n\n"
                       "| input | values | imputed with |\n|---|---|---|\n");
        for (const auto& group : m.encoding.optional) {
            fmt::format_to(out, "| `{}` | {} | {} |\n", group.name, Join(group.vocabulary),
                           group.mode);
        }
    }
    fmt::format_to(out, "\n");
}

void Performance(Out out, const ModelMetadata& m) {
    fmt::format_to(out, "## Performance\n\n");
    if (!m.cross_validation) {
        fmt::format_to(out, "Not cross-validated: no figures.\n\n");
        return;
    }
    const auto& cv = *m.cross_validation;
    fmt::format_to(out,
                   "Stratified {}-fold cross-validation (shuffled, seed {}), mean ± standard "
                   "deviation over the folds, at threshold 0.5:\n\n"
                   "| metric | value |\n|---|---|\n",
                   cv.folds, cv.seed);
    const std::vector<std::pair<std::string_view, MeanStd>> rows{
        {"ROC AUC", cv.metrics.roc_auc},
        {"PR AUC (average precision)", cv.metrics.pr_auc},
        {"precision", cv.metrics.precision},
        {"recall", cv.metrics.recall},
        {"F1", cv.metrics.f1},
        {"accuracy", cv.metrics.accuracy}};
    for (const auto& [name, value] : rows) {
        fmt::format_to(out, "| {} | {} ± {} |\n", name, Fixed(value.mean), Fixed(value.std));
    }
    if (m.threshold_f1_optimal) {
        const auto& t = *m.threshold_f1_optimal;
        fmt::format_to(out,
                       "\nOn the pooled out-of-fold predictions the threshold maximising F1 is "
                       "{} (precision {}, recall {}, F1 {}); the service flags at {}.\n",
                       Fixed(t.threshold), Fixed(t.precision), Fixed(t.recall), Fixed(t.f1),
                       m.decision_threshold);
    }
    if (!m.calibration.empty()) {
        fmt::format_to(out,
                       "\nCalibration: the out-of-fold predictions by increasing probability, "
                       "in ten groups of equal size.\n\n"
                       "| decile | predicted | mean predicted | observed | n |\n"
                       "|---|---|---|---|---|\n");
        for (std::size_t i = 0; i < m.calibration.size(); ++i) {
            const auto& bin = m.calibration[i];
            fmt::format_to(out, "| {} | {} – {} | {} | {} | {} |\n", i + 1,
                           Fixed(bin.min_predicted), Fixed(bin.max_predicted),
                           Fixed(bin.mean_predicted), Fixed(bin.observed_rate), bin.count);
        }
    }
    if (m.calibrator) {
        const auto& c = *m.calibrator;
        fmt::format_to(out,
                       "\nPerformance estimate before outcomes arrive (docs/monitoring.md): the "
                       "live probabilities go through the `{}` calibration map{}. Chosen on the "
                       "{} out-of-fold predictions, cross-fitted: their realized ROC AUC {}, the "
                       "ROC AUC they expect {} as they are, {} through an isotonic map, {} "
                       "through a logistic one.\n",
                       c.method,
                       c.method == "logistic"
                           ? fmt::format(" (slope {}, intercept {})", Fixed(c.logistic_map.slope),
                                         Fixed(c.logistic_map.intercept))
                           : std::string(),
                       c.fitted_on, Fixed(c.realized_roc_auc), Fixed(c.raw.expected_roc_auc),
                       Fixed(c.isotonic.expected_roc_auc), Fixed(c.logistic.expected_roc_auc));
    }
    fmt::format_to(out, "\n");
}

// The first screen, in plain words for HR: what it is for and not for, how good it is, what is
// known of its fairness. The figures behind each sentence follow in the sections below.
void InShort(Out out,
             const ModelMetadata& m,
             const std::vector<AttributeFairness>& fairness,
             const std::vector<std::string>& flags) {
    fmt::format_to(out,
                   "## In short\n\n"
                   "- **What it is for:** pointing HR analysts and managers at employees who may "
                   "be about to leave, and at what weighs most in each score, so that a person "
                   "who knows them can look closer and talk with them.\n"
                   "- **What it is not for:** any decision about a person on the score alone "
                   "(dismissal, promotion, pay, assignment); judging performance or loyalty; "
                   "another company or period without checking it first.\n");
    if (m.cross_validation) {
        const auto& metrics = m.cross_validation->metrics;
        fmt::format_to(out,
                       "- **How good it is:** tested on {} {} it had not "
                       "seen, it flagged about {} in 10 of those who left, and about {} in 10 of "
                       "those it flagged did leave. Given one employee who left and one who "
                       "stayed, it gives the leaver the higher score {} times in 100.\n",
                       m.training_rows, Population(m), std::lround(metrics.recall.mean * 10),
                       std::lround(metrics.precision.mean * 10),
                       std::lround(metrics.roc_auc.mean * 100));
    } else {
        fmt::format_to(out,
                       "- **How good it is:** not measured (trained without "
                       "cross-validation).\n");
    }
    std::vector<std::string> attributes;
    attributes.reserve(fairness.size());
    for (const auto& attribute : fairness) attributes.push_back(attribute.attribute);
    if (fairness.empty()) {
        fmt::format_to(out, "- **Fairness:** not measured at training.\n\n");
    } else if (flags.empty()) {
        fmt::format_to(out,
                       "- **Fairness:** at training, the share of employees it flags is close "
                       "across the groups of {} (within the four-fifths rule).\n\n",
                       Join(attributes));
    } else {
        fmt::format_to(out,
                       "- **Fairness:** at training, the share of employees it flags differs "
                       "between groups beyond the four-fifths rule for {}: read those groups' "
                       "own departure rates (below) before acting on a flag.\n\n",
                       Join(flags));
    }
}

void Fairness(Out out, const ModelMetadata& m, const std::vector<AttributeFairness>& fairness) {
    fmt::format_to(out, "## Fairness at training\n\n");
    if (m.fairness.empty()) {
        fmt::format_to(out, "Not computed (no cross-validation).\n\n");
        return;
    }
    fmt::format_to(out,
                   "On the out-of-fold predictions (every training employee scored by a model "
                   "that had not seen them) at threshold {}: the share flagged (selection "
                   "rate), the mean probability, the share who left, and the true positive, "
                   "false positive and precision rates. The four-fifths rule flags an attribute "
                   "whose lowest selection rate is under 0.8 of its highest.\n\n",
                   m.decision_threshold);
    for (const auto& attribute : fairness) {
        fmt::format_to(out,
                       "### `{}`\n\n"
                       "| group | n | selection rate | mean predicted | observed | TPR | FPR | "
                       "precision |\n|---|---|---|---|---|---|---|---|\n",
                       attribute.attribute);
        for (const auto& g : attribute.groups) {
            fmt::format_to(out, "| {} | {} | {} | {} | {} | {} | {} | {} |\n", g.group, g.n,
                           Fixed(g.selection_rate), Fixed(g.mean_predicted),
                           OrDash(g.observed_rate), OrDash(g.tpr), OrDash(g.fpr),
                           OrDash(g.precision));
        }
        fmt::format_to(out, "\nSelection-rate ratio {}{}; largest TPR difference {}.\n\n",
                       OrDash(attribute.selection_rate_ratio),
                       attribute.below_four_fifths ? " (**below 0.8**)" : "",
                       OrDash(attribute.tpr_difference));
    }
}

void Limitations(Out out, const ModelMetadata& m, const std::vector<std::string>& flags) {
    fmt::format_to(
        out,
        "## Known limitations\n\n"
        "- Small data: {} employees of one company at one time; the folds' standard "
        "deviations (Performance, below) show how much the figures move with the sample.\n",
        m.training_rows);
    if (m.cross_validation) {
        fmt::format_to(out,
                       "- At the decision threshold the model finds {} of the leavers (recall): "
                       "a low score is no assurance that an employee stays.\n",
                       Percent(m.cross_validation->metrics.recall.mean));
    }
    fmt::format_to(out,
                   "- Scores outside the training ranges (Features, below) are extrapolations (the "
                   "response warns); categories unseen in training are refused.\n"
                   "- The data holds correlations, not causes: an explanation says what moved "
                   "the score, not what would change the employee's decision.\n");
    if (!flags.empty()) {
        fmt::format_to(out,
                       "- At training, the selection rates differ across groups beyond the "
                       "four-fifths rule for: {}. Read the groups' observed rates beside them "
                       "before acting on a flag, and watch the live table "
                       "(`GET /api/v1/monitoring/fairness`).\n",
                       Join(flags));
    }
    fmt::format_to(out,
                   "- The world changes: live performance, drift and fairness are computed "
                   "from the prediction log (`docs/monitoring.md`); retrain when they move.\n\n");
}

}  // namespace

std::string ModelCard(const ModelMetadata& m) {
    std::string card;
    auto out = std::back_inserter(card);
    fmt::format_to(out,
                   "# Model card: `{}`\n\n"
                   "Generated from the artifact's `metadata.json` by `attrition model-card`; "
                   "regenerate it rather than edit it.\n\n",
                   m.model_version);
    const auto fairness = SummarizeFairness(m.fairness);
    std::vector<std::string> flags;
    for (const auto& attribute : fairness) {
        if (attribute.below_four_fifths) flags.push_back(attribute.attribute);
    }
    // Plain words first (for HR), then the figures, the data's hashes and the settings.
    InShort(out, m, fairness, flags);
    Use(out);
    Limitations(out, m, flags);
    Model(out, m);
    Data(out, m);
    Features(out, m);
    Performance(out, m);
    Fairness(out, m, fairness);
    return card;
}

}  // namespace attrition::model
