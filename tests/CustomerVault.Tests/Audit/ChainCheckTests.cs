using CustomerVault.Audit;

namespace CustomerVault.Tests.Audit;

/// <summary>The chain arithmetic every reader shares: the vault on its database, the CLI on the database or the feed.</summary>
public sealed class ChainCheckTests
{
    private static readonly Guid Stream = Guid.Parse("0193a2f0-0000-7000-8000-000000000001");
    private static readonly Guid Other = Guid.Parse("0193a2f0-0000-7000-8000-000000000002");
    private static readonly DateTimeOffset At = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void GivenLinksAsTheTriggerRecordedThem_WhenChecked_ThenIntactWithEachStreamsHead()
    {
        var links = Chain(Stream, """{"a": 1}""", """{"b": 2}""").Concat(Chain(Other, """{"c": 3}""")).ToList();

        var report = Check(links);

        Assert.True(report.Intact);
        Assert.Equal((2, 3), (report.Streams, report.Events));
        Assert.Equal(new StreamHead(2, links[1].Hash!), report.Heads[Stream]);
    }

    [Fact]
    public void GivenStreamsInterleavedAsTheFeedOrdersThem_WhenChecked_ThenTheSameHeadsAsStreamByStream()
    {
        var first = Chain(Stream, "{}", "[]", "null");
        var second = Chain(Other, "1", "2");

        var byStream = Check([.. first, .. second]);
        var interleaved = Check([first[0], second[0], first[1], second[1], first[2]]);

        Assert.True(interleaved.Intact);
        Assert.Equal(ChainVerifier.Root(byStream.Heads), ChainVerifier.Root(interleaved.Heads));
    }

    [Fact]
    public void GivenDataChangedAfterItWasStored_WhenChecked_ThenTheFirstBrokenLinkNamesItsStreamAndVersion()
    {
        var links = Chain(Stream, """{"scopes": ["name"]}""", "{}");
        links[0] = links[0] with { Data = """{"scopes": ["name", "phone"]}""" };

        var report = Check(links);

        Assert.False(report.Intact);
        Assert.Equal(new BrokenLink(Stream, 1, 1, "the event was changed after it was stored"), report.FirstBroken);
    }

    [Fact]
    public void GivenAMissingVersion_WhenChecked_ThenItIsNamed()
    {
        var links = Chain(Stream, "{}", "{}", "{}");

        var report = Check([links[0], links[2]]);

        Assert.Equal("version 2 is missing", report.FirstBroken!.Problem);
    }

    [Fact]
    public void GivenARewrittenLinkToThePreviousEvent_WhenChecked_ThenItIsNamed()
    {
        var links = Chain(Stream, "{}", "{}");
        links[1] = links[1] with { PreviousHash = new string('0', 64) };

        Assert.Equal("the recorded link to the previous event was changed", Check(links).FirstBroken!.Problem);
    }

    private static ChainReport Check(IEnumerable<ChainLink> links)
    {
        var check = new ChainCheck();
        foreach (var link in links)
        {
            check.Add(link);
        }

        return check.Report();
    }

    [Theory]
    // A checkpoint with a feed position covers the events up to it, whatever their sequence (positions and sequences
    // need not agree across concurrent appends).
    [InlineData(10L, 7L, 20L, 7L, true)]
    [InlineData(10L, 7L, 5L, 8L, false)]
    // An event without a chain record has no position: its sequence decides, as in the database's query.
    [InlineData(10L, 7L, 10L, null, true)]
    [InlineData(10L, 7L, 11L, null, false)]
    // A checkpoint made before positions existed covers the events up to its sequence.
    [InlineData(10L, null, 10L, 50L, true)]
    [InlineData(10L, null, 11L, 11L, false)]
    public void GivenACheckpointsExtent_WhenALinkIsPlaced_ThenItIsCoveredByPositionWhenBothHaveOneElseBySequence(
        long checkpointSequence, long? checkpointPosition, long sequence, long? position, bool covered)
    {
        var link = Chain(Stream, "{}")[0] with { Sequence = sequence, Position = position };

        Assert.Equal(covered, link.Within(new ChainExtent(checkpointSequence, checkpointPosition)));
    }

    // Links with the hashes the database trigger records.
    private static List<ChainLink> Chain(Guid stream, params string[] data)
    {
        var links = new List<ChainLink>();
        var previous = "";
        for (var i = 0; i < data.Length; i++)
        {
            var hash = EventChain.Hash(previous, stream, i + 1, "something_happened", At, "customer:x", data[i]);
            links.Add(new ChainLink(i + 1, stream, i + 1, "something_happened", At, "customer:x", data[i], hash, previous, i + 1));
            previous = hash;
        }

        return links;
    }
}
