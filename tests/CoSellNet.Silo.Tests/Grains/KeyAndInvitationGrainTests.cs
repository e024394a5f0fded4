using CoSellNet.Protocol;
using CoSellNet.Silo.Errors;
using CoSellNet.Silo.Invitations;
using CoSellNet.Silo.Keys;

namespace CoSellNet.Silo.Tests.Grains;

[Collection(GrainCollection.Name)]
public sealed class KeyAndInvitationGrainTests(GrainCluster cluster)
{
    [Fact]
    public async Task Keys_authenticate_by_hash_until_revoked_and_never_store_the_secret()
    {
        var ring = cluster.Grains.GetGrain<IKeyRingGrain>(Guid.NewGuid().ToString("N"));
        var first = (await ring.CreateFirst("first"))!;
        Assert.Null(await ring.CreateFirst("again"));
        var second = await ring.Create(new ApiKeyRequest("reader", [ApiKeyScope.Read, ApiKeyScope.Read]));
        Assert.Equal([ApiKeyScope.Read], second.Key.Scopes);

        Assert.True(ApiKeyToken.TryParse(second.Secret, ApiKeyToken.KeyPrefix, out var token));
        Assert.Equal([ApiKeyScope.Read], await ring.Authenticate(token.Id, token.SecretHash()));
        Assert.Null(await ring.Authenticate(token.Id, ApiKeyToken.Hash(token.Secret + "x")));

        await ring.Revoke(second.Key.Id);
        Assert.Null(await ring.Authenticate(token.Id, token.SecretHash()));
        Assert.Equal(ProblemKind.Conflict, (await Assert.ThrowsAsync<ProblemException>(() => ring.Revoke(first.Key.Id))).Kind);
    }

    [Fact]
    public async Task Concurrent_redemptions_of_one_invitation_create_exactly_one_partner()
    {
        var book = cluster.Grains.GetGrain<IInvitationBookGrain>(ApiKeyToken.Operator);
        var invitation = await book.Create(new InvitationRequest("Racer"));
        Assert.True(ApiKeyToken.TryParse(invitation.Token, ApiKeyToken.InvitationPrefix, out var token));
        var attempts = Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await book.Redeem(token.Id, token.SecretHash(), new PartnerRegistration($"Racer {i}", $"racer{i}-{Guid.NewGuid():N}"[..20] + ".com", PartnerType.Referral));
                return true;
            }
            catch (ProblemException e) when (e.Kind == ProblemKind.Gone)
            {
                return false;
            }
        });
        var results = await Task.WhenAll(attempts);
        Assert.Equal(1, results.Count(ok => ok));
    }
}

public sealed class ApiKeyTokenTests
{
    [Theory]
    [InlineData("csn_op_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", true)]
    [InlineData("csn_abc_0123456789abcdef_A_B-C_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", true)]
    [InlineData("csn_op_0123456789ABCDEF_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false)]
    [InlineData("inv_op_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false)]
    [InlineData("csn_op_0123456789abcdef_short", false)]
    [InlineData("csn_o p_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false)]
    [InlineData("", false)]
    public void Tokens_parse_strictly(string text, bool valid) =>
        Assert.Equal(valid, ApiKeyToken.TryParse(text, ApiKeyToken.KeyPrefix, out _));
}
