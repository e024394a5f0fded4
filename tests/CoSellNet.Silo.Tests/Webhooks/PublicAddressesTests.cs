using System.Net;
using CoSellNet.Silo.Webhooks;

namespace CoSellNet.Silo.Tests.Webhooks;

public sealed class PublicAddressesTests
{
    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("100.128.0.1")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700::1111")]
    [InlineData("::ffff:93.184.215.14")]
    [InlineData("64:ff9b::808:808")]
    public void Globally_routable_unicast_addresses_are_public(string address) =>
        Assert.True(PublicAddresses.IsPublic(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.8.9.10")]
    [InlineData("0.0.0.0")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")] // cloud metadata
    [InlineData("100.64.0.1")]
    [InlineData("192.0.2.1")]
    [InlineData("198.18.0.1")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("ff02::1")]
    [InlineData("2001:db8::1")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("64:ff9b::a00:1")] // NAT64 of 10.0.0.1
    public void Loopback_private_link_local_and_reserved_addresses_are_not(string address) =>
        Assert.False(PublicAddresses.IsPublic(IPAddress.Parse(address)), address);

    [Fact]
    public void A_delivery_connects_only_to_the_public_addresses_of_its_host()
    {
        var resolved = new[] { IPAddress.Parse("10.0.0.7"), IPAddress.Parse("93.184.215.14") };
        Assert.Equal([IPAddress.Parse("93.184.215.14")], PublicAddresses.Allowed("hooks.example.com", resolved, allowPrivate: false));
        Assert.Equal(resolved, PublicAddresses.Allowed("hooks.example.com", resolved, allowPrivate: true));

        var refused = Assert.Throws<InvalidOperationException>(() =>
            PublicAddresses.Allowed("rebound.example.com", [IPAddress.Parse("169.254.169.254")], allowPrivate: false));
        Assert.Contains("rebound.example.com resolves only to non-public addresses (169.254.169.254)", refused.Message);
        Assert.Contains("Webhooks:AllowPrivateAddresses", refused.Message);
    }
}
