using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;

namespace CoSellNet.Silo.Webhooks;

/// <summary>Checks a webhook endpoint registration, naming every problem at once.</summary>
public static class WebhookValidation
{
    public const int MaxUrlLength = 2048;
    public const int MaxDescriptionLength = 200;

    /// <summary>The URL and event types to store (URL normalized, event types deduplicated in their canonical order).</summary>
    public static (Uri Url, IReadOnlyList<string> EventTypes, string? Description) Check(WebhookEndpointRequest? request, bool allowPrivate)
    {
        if (request is null) throw ProblemException.Invalid("body", "is required: {\"url\": \"https://…\", \"eventTypes\": [\"deal.registered\", …]}.");
        var v = new Validator();
        var url = CheckUrl(request.Url, allowPrivate, v);

        var types = request.EventTypes ?? [];
        if (types.Count == 0)
            v.Add("eventTypes", $"must name at least one event type: {string.Join(", ", WebhookEventTypes.All)}.");
        for (var i = 0; i < types.Count && i < 50; i++)
            if (!WebhookEventTypes.All.Contains(types[i], StringComparer.Ordinal))
                v.Add($"eventTypes[{i}]", $"'{Shorten(types[i])}' is not an event type; use one of: {string.Join(", ", WebhookEventTypes.All)}.");

        v.Text(request.Description, "description", MaxDescriptionLength, required: false);
        v.ThrowIfInvalid();
        return (url!, [.. WebhookEventTypes.All.Where(types.Contains)], string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim());
    }

    private static Uri? CheckUrl(string? text, bool allowPrivate, Validator v)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxUrlLength || text.Any(char.IsControl))
        {
            v.Text(text, "url", MaxUrlLength);
            return null;
        }
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http") || string.IsNullOrEmpty(url.Host))
        {
            v.Add("url", "must be an absolute https URL, e.g. https://crm.example.com/hooks/cosellnet.");
            return null;
        }
        // A name is checked again on every delivery, on the address connected to; a literal or
        // localhost can be refused now.
        var literal = url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && System.Net.IPAddress.TryParse(url.DnsSafeHost, out var address) ? address : null;
        if (!allowPrivate && (url.IsLoopback || literal is not null && !PublicAddresses.IsPublic(literal)))
            v.Add("url", "points at a loopback, private or other non-public address; this node delivers webhooks to public addresses only. " +
                         "Register a public https URL, or ask the node's operator to set Webhooks:AllowPrivateAddresses if your receiver is inside the node's network.");
        else if (url.Scheme == "http" && !url.IsLoopback)
            v.Add("url", "must use https; plain http is accepted only to a loopback address (localhost, 127.0.0.1, ::1) for development.");
        if (url.UserInfo.Length > 0)
            v.Add("url", "must not contain a user name or password; deliveries are authenticated by their signature.");
        if (url.Fragment.Length > 0)
            v.Add("url", "must not contain a fragment (#…).");
        return url;
    }

    private static string Shorten(string? s) => s is null ? "null" : s.Length <= 40 ? s : s[..40] + "…";
}
