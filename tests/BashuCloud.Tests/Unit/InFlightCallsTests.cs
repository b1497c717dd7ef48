using BashuCloud.Api.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace BashuCloud.Tests.Unit;

/// <summary>When a silo is declared dead, the API answers the calls that hang on it instead of waiting for the timeout.</summary>
public class InFlightCallsTests
{
    private static readonly GrainId Target = GrainId.Create("listing", "sichuan-test");

    [Fact]
    public async Task A_call_in_flight_for_over_a_second_when_a_silo_dies_is_answered_at_once()
    {
        var time = new FakeTimeProvider();
        var calls = new InFlightCalls(time);
        var unanswered = new TaskCompletionSource();
        var hanging = calls.Track(unanswered.Task, Target);

        time.Advance(TimeSpan.FromSeconds(1.5));
        var fresh = new TaskCompletionSource();
        var young = calls.Track(fresh.Task, Target);
        Assert.Equal(1, calls.GiveUpOlderThan(SiloDeathWatch.HealthyCallTime));

        var error = await Assert.ThrowsAsync<SiloUnavailableException>(() => hanging);
        Assert.Contains("declared dead", error.Message, StringComparison.Ordinal);
        // A call younger than that is still awaited, and ends with its own answer.
        Assert.False(young.IsCompleted);
        fresh.SetResult();
        await young;
    }

    [Fact]
    public async Task Nothing_is_given_up_while_no_call_is_old_enough()
    {
        var time = new FakeTimeProvider();
        var calls = new InFlightCalls(time);
        var answer = new TaskCompletionSource();
        var call = calls.Track(answer.Task, Target);

        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(0, calls.GiveUpOlderThan(SiloDeathWatch.HealthyCallTime));
        answer.SetException(new InvalidOperationException("the grain's own failure"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => call);
    }

    [Fact]
    public async Task Calls_that_ended_are_not_counted_again()
    {
        var time = new FakeTimeProvider();
        var calls = new InFlightCalls(time);
        var answer = new TaskCompletionSource();
        var call = calls.Track(answer.Task, Target);
        answer.SetResult();
        await call;

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(0, calls.GiveUpOlderThan(SiloDeathWatch.HealthyCallTime));
    }

    [Fact]
    public async Task A_caller_that_calls_again_as_soon_as_its_call_is_given_up_is_served()
    {
        var time = new FakeTimeProvider();
        var calls = new InFlightCalls(time);
        var hanging = calls.Track(new TaskCompletionSource().Task, Target);
        time.Advance(TimeSpan.FromSeconds(1.5));
        // The caller's continuation runs while the call is given up and starts the next call at once (in a new slot).
        Task? next = null;
        var retried = hanging.ContinueWith(_ => next = calls.Track(new TaskCompletionSource().Task, Target), TaskContinuationOptions.ExecuteSynchronously);

        Assert.Equal(1, calls.GiveUpOlderThan(SiloDeathWatch.HealthyCallTime));
        await retried;
        Assert.NotNull(next);
        Assert.False(next.IsCompleted);
    }
}
