using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace CoSellNet.Client.Tests.Support;

/// <summary>
/// The serializer as the client used it before its JSON was source-generated: web defaults, metadata
/// by reflection. The stubs write with it (their feed data are anonymous objects, which no context
/// lists), and the output tests compare with it: the generated metadata must write the same bytes.
/// </summary>
public static class ReflectionJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
}
