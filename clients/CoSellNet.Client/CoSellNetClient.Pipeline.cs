using System.Globalization;
using System.Net.Http.Headers;
using CoSellNet.Protocol;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CoSellNet.Client;

/// <summary>The vendor pipeline reports a vendor reads (and exports as CSV).</summary>
public enum PipelineReport
{
    /// <summary>Ecosystem-sourced pipeline: open value in rooms with two or more partners besides the vendor.</summary>
    Ecosystem,
    /// <summary>Closed-won revenue credited to partners under a model, by kind of touch, and the vendor's direct share.</summary>
    Revenue,
    /// <summary>Return on partner investment: (attributed revenue − cost) / cost by partner.</summary>
    Ropi,
    /// <summary>Co-sold against direct deals: win rate, cycle days, average won value.</summary>
    CoSell,
    /// <summary>Scorecards of the partners in the vendor's rooms.</summary>
    Scorecards,
}

/// <summary>
/// What a pipeline report covers. Every field is optional: dates are inclusive and in the vendor's
/// time zone, <see cref="Currency"/> defaults to the vendor's base currency, <see cref="Model"/> to
/// sourced, <see cref="HalfLifeDays"/> (time-decay only) to the vendor's default.
/// </summary>
public sealed record PipelineQuery
{
    public DateOnly? From { get; init; }
    public DateOnly? To { get; init; }
    /// <summary>One partner's figures (its partner id).</summary>
    public string? PartnerId { get; init; }
    public PartnerType? PartnerType { get; init; }
    /// <summary>qualify, develop, propose, negotiate, closed-won or closed-lost.</summary>
    public string? Stage { get; init; }
    /// <summary>The ISO 4217 currency to report in.</summary>
    public string? Currency { get; init; }
    public AttributionModel? Model { get; init; }
    public int? HalfLifeDays { get; init; }

    /// <summary>The query string (with a leading '?'), or "" when nothing is set.</summary>
    internal string ToQueryString(bool csv = false)
    {
        var parts = new List<(string Name, string? Value)>
        {
            ("from", From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            ("to", To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            ("partner", PartnerId),
            ("type", PartnerType is { } type ? CoSellNetJson.EnumName(type) : null),
            ("stage", Stage),
            ("currency", Currency),
            ("model", Model is { } model ? CoSellNetJson.EnumName(model) : null),
            ("halfLifeDays", HalfLifeDays?.ToString(CultureInfo.InvariantCulture)),
            ("format", csv ? "csv" : null),
        };
        var set = parts.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return set.Count == 0 ? "" : "?" + string.Join('&', set);
    }
}

public sealed partial class CoSellNetClient
{
    private static readonly MediaTypeWithQualityHeaderValue AcceptCsv = new("text/csv");

    /// <summary>Ecosystem-sourced pipeline: open value in my rooms with two or more partners besides me, by stage, partner and type. Vendors only.</summary>
    public Task<EcosystemPipelineReport> GetEcosystemPipelineAsync(PipelineQuery? query = null, CancellationToken cancellationToken = default) =>
        GetAsync<EcosystemPipelineReport>(Routes.PipelineEcosystem + Query(query), cancellationToken);

    /// <summary>Closed-won revenue credited to partners under a model: sourced, influenced and transacted apart, and my direct share. Vendors only.</summary>
    public Task<RevenueReport> GetRevenueAsync(PipelineQuery? query = null, CancellationToken cancellationToken = default) =>
        GetAsync<RevenueReport>(Routes.PipelineRevenue + Query(query), cancellationToken);

    /// <summary>Return on partner investment by partner, from attributed revenue and recorded costs. Vendors only.</summary>
    public Task<RopiReport> GetRopiAsync(PipelineQuery? query = null, CancellationToken cancellationToken = default) =>
        GetAsync<RopiReport>(Routes.PipelineRopi + Query(query), cancellationToken);

    /// <summary>Co-sold against direct deals: win rate, average cycle days, average won value. Vendors only.</summary>
    public Task<CoSellReport> GetCoSellAsync(PipelineQuery? query = null, CancellationToken cancellationToken = default) =>
        GetAsync<CoSellReport>(Routes.PipelineCoSell + Query(query), cancellationToken);

    /// <summary>Scorecards of the partners in my rooms, each leading with the figures that fit its type. Vendors only.</summary>
    public async Task<IReadOnlyList<Scorecard>> GetScorecardsAsync(PipelineQuery? query = null, CancellationToken cancellationToken = default) =>
        await GetAsync<List<Scorecard>>(Routes.PipelineScorecards + Query(query), cancellationToken).ConfigureAwait(false);

    /// <summary>My own scorecard with a vendor, as a partner in its rooms (the partner and type filters do not apply).</summary>
    public Task<Scorecard> GetMyScorecardAsync(string vendorId, PipelineQuery? query = null, CancellationToken cancellationToken = default) =>
        GetAsync<Scorecard>(Routes.PipelineScorecard(Id(vendorId, nameof(vendorId))) + Query(query), cancellationToken);

    /// <summary>A report as the node's CSV export (header, one row per figure, and a last line saying how amounts were converted).</summary>
    public Task<string> ExportPipelineCsvAsync(PipelineReport report, PipelineQuery? query = null, CancellationToken cancellationToken = default) =>
        GetCsvAsync(ReportRoute(report) + Query(query, csv: true), (content, ct) => content.ReadAsStringAsync(ct), cancellationToken);

    /// <summary>Writes a report's CSV export to <paramref name="destination"/> as it arrives.</summary>
    public Task ExportPipelineCsvAsync(PipelineReport report, Stream destination, PipelineQuery? query = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return GetCsvAsync(ReportRoute(report) + Query(query, csv: true), async (content, ct) => { await content.CopyToAsync(destination, ct).ConfigureAwait(false); return true; }, cancellationToken);
    }

    /// <summary>My own scorecard with a vendor as CSV.</summary>
    public Task<string> ExportMyScorecardCsvAsync(string vendorId, PipelineQuery? query = null, CancellationToken cancellationToken = default) =>
        GetCsvAsync(Routes.PipelineScorecard(Id(vendorId, nameof(vendorId))) + Query(query, csv: true), (content, ct) => content.ReadAsStringAsync(ct), cancellationToken);

    /// <summary>Records what I spent on a partner (mdf, rebates, enablement, other). Vendors only. Not idempotent: each call records a cost.</summary>
    public Task<PartnerCost> AddPartnerCostAsync(PartnerCostRequest cost, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cost);
        return PostAsync<PartnerCost>(Routes.PipelineCosts, cost, cancellationToken);
    }

    /// <summary>One page of my recorded partner costs, by date then id.</summary>
    public Task<Page<PartnerCost>> ListPartnerCostsAsync(string? cursor = null, int? limit = null, CancellationToken cancellationToken = default) =>
        GetAsync<Page<PartnerCost>>(WithPaging(Routes.PipelineCosts, cursor, limit), cancellationToken);

    /// <summary>All my recorded partner costs, fetched page by page as you enumerate.</summary>
    public IAsyncEnumerable<PartnerCost> ListAllPartnerCostsAsync(CancellationToken cancellationToken = default) =>
        WalkAsync((cursor, ct) => ListPartnerCostsAsync(cursor, Vocabulary.MaxPageSize, ct), cancellationToken);

    /// <summary>My pipeline's time zone, base currency, exchange rates and default half-life. Vendors only.</summary>
    public Task<PipelineSettings> GetPipelineSettingsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<PipelineSettings>(Routes.PipelineSettings, cancellationToken);

    /// <summary>Replaces my pipeline settings (rates are units of the base currency per one unit of each currency). Needs an admin key.</summary>
    public Task<PipelineSettings> SetPipelineSettingsAsync(PipelineSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return PutAsync<PipelineSettings>(Routes.PipelineSettings, settings with { RatesAsOf = null }, cancellationToken);
    }

    private static string Query(PipelineQuery? query, bool csv = false) => (query ?? new PipelineQuery()).ToQueryString(csv);

    private static string ReportRoute(PipelineReport report) => report switch
    {
        PipelineReport.Ecosystem => Routes.PipelineEcosystem,
        PipelineReport.Revenue => Routes.PipelineRevenue,
        PipelineReport.Ropi => Routes.PipelineRopi,
        PipelineReport.CoSell => Routes.PipelineCoSell,
        PipelineReport.Scorecards => Routes.PipelineScorecards,
        _ => throw new ArgumentOutOfRangeException(nameof(report), report, "Not a pipeline report."),
    };

    /// <summary>A GET answered with text/csv: reads the body with <paramref name="read"/>; refusals throw as for JSON.</summary>
    private async Task<T> GetCsvAsync<T>(string route, Func<HttpContent, CancellationToken, Task<T>> read, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, route.TrimStart('/')));
        request.Headers.Accept.Add(AcceptCsv);
        request.Headers.Accept.Add(AcceptProblem);
        if (_apiKey is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);

        var what = $"GET {request.RequestUri!.AbsolutePath}";
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e)
        {
            throw new TimeoutException($"{what}: the node at {_base} did not answer in time ({e.Timeout.TotalSeconds:0.#} s). Check that it is running and reachable.", e);
        }
        catch (BrokenCircuitException e)
        {
            throw new HttpRequestException($"{what}: the node at {_base} failed repeatedly; the client stopped calling it for a short while. Try again shortly.", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw await ProblemReader.ReadAsync(response, ct).ConfigureAwait(false);
            if (response.Content.Headers.ContentType?.MediaType is not "text/csv")
                throw new CoSellNetException($"{what}: the node answered with {response.Content.Headers.ContentType?.MediaType ?? "no content type"}, not CSV. Check that the URL points at a CoSellNet node.");
            return await read(response.Content, ct).ConfigureAwait(false);
        }
    }
}
