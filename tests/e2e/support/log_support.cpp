#include "e2e/support/log_support.hpp"

#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "harness/child_process.hpp"
#include "harness/http_client.hpp"
#include "harness/service_process.hpp"

namespace attrition::test {
namespace {

std::string RawPost(const std::string& path, const std::string& body) {
    return "POST " + path +
           " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           "User-Agent: logtest-load\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string Marker(const std::string& prefix, int client, int index) {
    return prefix + "-c" + std::to_string(client) + "-r" + std::to_string(index);
}

}  // namespace

nlohmann::json SampleEmployee(int variant) {
    // The SPEC §1 fields, in the training spellings; the variant moves age, income, distance
    // and overtime so that the requests of a run are not all the same prediction.
    return {
        {"age", 25 + variant % 30},
        {"revenu_mensuel", 3000 + 137 * (variant % 40)},
        {"nombre_experiences_precedentes", variant % 6},
        {"nombre_heures_travailless", 80},
        {"annees_dans_le_poste_actuel", 1 + variant % 8},
        {"satisfaction_employee_environnement", 1 + variant % 4},
        {"satisfaction_employee_nature_travail", 3},
        {"satisfaction_employee_equipe", 2},
        {"satisfaction_employee_equilibre_pro_perso", 3},
        {"note_evaluation_precedente", 3},
        {"note_evaluation_actuelle", 3},
        {"nombre_participation_pee", variant % 3},
        {"nb_formations_suivies", 2},
        {"nombre_employee_sous_responsabilite", 1},
        {"distance_domicile_travail", 1 + variant % 25},
        {"niveau_education", 3},
        {"annees_depuis_la_derniere_promotion", variant % 5},
        {"annes_sous_responsable_actuel", 2},
        {"genre", variant % 2 == 0 ? "F" : "M"},
        {"statut_marital", "Célibataire"},
        {"departement", "Consulting"},
        {"poste", "Consultant"},
        {"domaine_etude", "Infra & Cloud"},
        {"heure_supplementaires", variant % 3 == 0 ? "Oui" : "Non"},
    };
}

PlannedRequest PredictRequest(const std::string& prefix, int client, int index) {
    auto employee = SampleEmployee(client * 1000 + index);
    const auto marker = Marker(prefix, client, index);
    employee["employee_id"] = marker;
    return {"/api/v1/predict", employee.dump(), {marker}};
}

PlannedRequest MixedRequest(const std::string& prefix, int client, int index) {
    const auto marker = Marker(prefix, client, index);
    switch (index % 4) {
        case 0:
            return PredictRequest(prefix, client, index);
        case 1: {
            nlohmann::json body{{"employees", nlohmann::json::array()}};
            std::vector<std::string> markers;
            for (int k = 0; k < 2; ++k) {
                auto employee = SampleEmployee(client * 1000 + index + k);
                markers.push_back(marker + "-b" + std::to_string(k));
                employee["employee_id"] = markers.back();
                body["employees"].push_back(std::move(employee));
            }
            return {"/api/v1/predict/batch", body.dump(), markers};
        }
        case 2: {
            auto employee = SampleEmployee(client * 1000 + index);
            employee["employee_id"] = marker;
            return {"/api/v1/explain", employee.dump(), {marker}};
        }
        default: {
            auto employee = SampleEmployee(index);
            employee["age"] = 15;  // below 18: 422, logged without a prediction
            employee["employee_id"] = marker;
            return {"/api/v1/predict", employee.dump(), {}};
        }
    }
}

LoadDriver::LoadDriver(unsigned short port, int clients, int per_client, RequestPlanner planner)
    : port_(port), per_client_(per_client), planner_(std::move(planner)) {
    // A write to a connection the service closed must fail, not kill the test.
    ::signal(SIGPIPE, SIG_IGN);
    outcomes_.resize(static_cast<std::size_t>(clients));
    for (int c = 0; c < clients; ++c) threads_.emplace_back([this, c] { RunClient(c); });
}

LoadDriver::~LoadDriver() {
    stop_ = true;
    for (auto& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
}

std::vector<RequestOutcome> LoadDriver::Finish() {
    stop_ = true;
    for (auto& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
    std::vector<RequestOutcome> all;
    for (auto& client : outcomes_) all.insert(all.end(), client.begin(), client.end());
    return all;
}

void LoadDriver::RunClient(int client) {
    auto& outcomes = outcomes_[static_cast<std::size_t>(client)];
    std::unique_ptr<HttpClient> connection;
    for (int index = 0; per_client_ == 0 ? !stop_.load() : index < per_client_; ++index) {
        if (!connection) {
            try {
                connection = std::make_unique<HttpClient>(port_);
            } catch (const std::exception&) {
                return;  // the service is gone: nothing more can be sent
            }
        }
        const auto planned = planner_(client, index);
        RequestOutcome outcome{planned.path, planned.markers, false, 0};
        try {
            connection->WriteRaw(RawPost(planned.path, planned.body));
            outcome.sent = true;
            const auto response = connection->ReadResponse();
            outcome.status = response.status;
            ++completed_;
            if (outcome.Acknowledged()) ++acknowledged_;
            if (!response.keep_alive) connection.reset();
        } catch (const std::exception&) {
            connection.reset();  // closed or reset: reconnect for the next request
        }
        outcomes.push_back(std::move(outcome));
    }
}

Tally Summarize(const std::vector<RequestOutcome>& outcomes) {
    Tally tally;
    for (const auto& outcome : outcomes) {
        ++tally.attempted;
        if (outcome.sent) ++tally.sent;
        if (outcome.status != 0) ++tally.answered;
        if (outcome.status == 503) ++tally.unavailable;
        auto& bucket = outcome.Acknowledged() ? tally.acknowledged_markers
                       : outcome.status == 0  ? tally.unanswered_markers
                                              : tally.refused_markers;
        if (outcome.status == 0 && !outcome.sent) continue;
        bucket.insert(outcome.markers.begin(), outcome.markers.end());
        if (outcome.Acknowledged()) {
            ++tally.acknowledged;
            tally.acknowledged_predictions += outcome.markers.size();
        }
    }
    return tally;
}

LogProbe LogProbe::Sqlite(std::string path) {
    LogProbe probe;
    probe.sqlite_ = true;
    probe.target_ = std::move(path);
    return probe;
}

LogProbe LogProbe::Postgres(std::string url) {
    LogProbe probe;
    probe.target_ = std::move(url);
    return probe;
}

std::vector<LogProbe::Row> LogProbe::Rows(const std::string& sql) const {
    std::vector<Row> rows;
    if (sqlite_) {
        sqlite3* raw = nullptr;
        const int opened = sqlite3_open_v2(target_.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
        const std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close);
        if (opened != SQLITE_OK) throw std::runtime_error("cannot open " + target_);
        sqlite3_busy_timeout(db.get(), 10000);
        sqlite3_stmt* raw_statement = nullptr;
        if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw_statement, nullptr) != SQLITE_OK) {
            throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db.get()));
        }
        const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> statement(raw_statement,
                                                                              sqlite3_finalize);
        int step = 0;
        while ((step = sqlite3_step(statement.get())) == SQLITE_ROW) {
            Row row;
            for (int i = 0; i < sqlite3_column_count(statement.get()); ++i) {
                const auto* text = sqlite3_column_text(statement.get(), i);
                row.push_back(text == nullptr ? std::nullopt
                                              : std::optional<std::string>(
                                                    reinterpret_cast<const char*>(text)));
            }
            rows.push_back(std::move(row));
        }
        if (step != SQLITE_DONE) {
            throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db.get()));
        }
        return rows;
    }
    const std::unique_ptr<PGconn, void (*)(PGconn*)> connection(PQconnectdb(target_.c_str()),
                                                                PQfinish);
    if (PQstatus(connection.get()) != CONNECTION_OK) {
        throw std::runtime_error(std::string("libpq: ") + PQerrorMessage(connection.get()));
    }
    const std::unique_ptr<PGresult, void (*)(PGresult*)> result(
        PQexec(connection.get(), sql.c_str()), PQclear);
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
        throw std::runtime_error(std::string("libpq: ") + PQerrorMessage(connection.get()));
    }
    for (int r = 0; r < PQntuples(result.get()); ++r) {
        Row row;
        for (int i = 0; i < PQnfields(result.get()); ++i) {
            row.push_back(PQgetisnull(result.get(), r, i)
                              ? std::nullopt
                              : std::optional<std::string>(PQgetvalue(result.get(), r, i)));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

long long LogProbe::Count(const std::string& sql) const {
    const auto rows = Rows(sql);
    if (rows.empty() || rows[0].empty() || !rows[0][0]) {
        throw std::runtime_error("no count from: " + sql);
    }
    return std::stoll(*rows[0][0]);
}

std::map<std::string, int> LogProbe::EmployeeIds() const {
    std::map<std::string, int> ids;
    for (const auto& row : Rows("SELECT employee_id FROM predictions")) {
        if (row[0]) ++ids[*row[0]];
    }
    return ids;
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

void PrintFigures(const std::string& name,
                  const std::vector<std::pair<std::string, long long>>& figures) {
    std::cout << "FIGURES " << name << ":";
    for (const auto& [key, value] : figures) std::cout << " " << key << "=" << value;
    std::cout << std::endl;
}

std::string UniqueDatabaseName(const std::string& stem) {
    static int counter = 0;
    return stem + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

long long Metric(unsigned short port, const std::string& name) {
    try {
        HttpClient client(port);
        std::istringstream lines(client.Get("/metrics").body);
        for (std::string line; std::getline(lines, line);) {
            if (line.rfind(name + " ", 0) == 0) return std::stoll(line.substr(name.size() + 1));
        }
    } catch (const std::exception&) {
        // not answering: as absent
    }
    return -1;
}

int FreshHealth(unsigned short port) {
    try {
        HttpClient client(port);
        return client.Get("/health").status;
    } catch (const std::exception&) {
        return 0;
    }
}

std::string WriteApiKeysFile(const std::string& dir, const std::string& key) {
    std::string line;
    const int code = RunCommand({.argv = {"sh", "-c",
                                          "printf '%s\\n' '" + key + "' | '" + AttritionBinary() +
                                              "' keys hash --name e2e"}},
                                &line);
    if (code != 0) throw std::runtime_error("attrition keys hash failed: " + line);
    const std::string path = dir + "/api-keys.txt";
    std::ofstream(path) << "# e2e keys\n" << line;
    return path;
}

std::map<std::string, std::string> Bearer(const std::string& key) {
    return {{"Authorization", "Bearer " + key}};
}

}  // namespace attrition::test
