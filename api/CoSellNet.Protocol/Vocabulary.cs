using System.Text.Json.Serialization;

namespace CoSellNet.Protocol;

/// <summary>What kind of company a partner is; metrics and permissions are tailored to it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PartnerType>))]
public enum PartnerType
{
    [JsonStringEnumMemberName("vendor")] Vendor,
    [JsonStringEnumMemberName("reseller")] Reseller,
    [JsonStringEnumMemberName("referral")] Referral,
    [JsonStringEnumMemberName("influence")] Influence,
    /// <summary>An ISV.</summary>
    [JsonStringEnumMemberName("technology")] Technology,
    /// <summary>An SI or MSP.</summary>
    [JsonStringEnumMemberName("service")] Service,
}

/// <summary>How much of one of my populations a counterpart may learn. Ordered: each level includes the ones below.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SharingLevel>))]
public enum SharingLevel
{
    [JsonStringEnumMemberName("none")] None = 0,
    /// <summary>Overlap counts only.</summary>
    [JsonStringEnumMemberName("counts")] Counts = 1,
    /// <summary>Which of the counterpart's own accounts overlap, and in which of my populations.</summary>
    [JsonStringEnumMemberName("overlaps")] Overlaps = 2,
    /// <summary>Overlaps plus the fields I chose to share, sealed for the counterpart.</summary>
    [JsonStringEnumMemberName("fields")] Fields = 3,
}

[JsonConverter(typeof(JsonStringEnumConverter<PartnershipStatus>))]
public enum PartnershipStatus
{
    [JsonStringEnumMemberName("proposed")] Proposed,
    [JsonStringEnumMemberName("active")] Active,
    [JsonStringEnumMemberName("paused")] Paused,
    [JsonStringEnumMemberName("declined")] Declined,
    [JsonStringEnumMemberName("ended")] Ended,
}

[JsonConverter(typeof(JsonStringEnumConverter<ApiKeyScope>))]
public enum ApiKeyScope
{
    [JsonStringEnumMemberName("read")] Read,
    [JsonStringEnumMemberName("write")] Write,
    /// <summary>Manage keys, invitations and the partner's profile.</summary>
    [JsonStringEnumMemberName("admin")] Admin,
}

/// <summary>Names and limits shared by the node and its clients.</summary>
public static class Vocabulary
{
    /// <summary>Motions a side of a partnership may opt into.</summary>
    public static readonly IReadOnlyList<string> Motions = ["co-sell", "referral", "resell"];

    /// <summary>Populations every partner has; custom ones may be added.</summary>
    public static readonly IReadOnlyList<string> StandardPopulations = ["customers", "prospects", "opportunities"];

    /// <summary>A population name: lower case letters, digits and dashes, starting with a letter, at most 40 characters.</summary>
    public const string PopulationPattern = "^[a-z][a-z0-9-]{0,39}$";

    public const int MaxNameLength = 200;
    public const int MaxCapabilityItems = 50;
    public const int MaxCapabilityLength = 100;
    public const int MaxPopulations = 20;
    public const int MaxPageSize = 500;
    public const int DefaultPageSize = 50;
}
