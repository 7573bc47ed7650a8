using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CustomerVault.Cli;

/// <summary>
/// Where a command's results and messages go: its result on stdout, as text for people or as one JSON document for
/// programs (<c>--output json</c>); failures on stderr; progress on stderr, and only for people watching a terminal.
/// </summary>
public sealed class CliOutput(IAnsiConsole stdout, IAnsiConsole stderr, bool json)
{
    /// <summary>The API's JSON conventions (camelCase, absent rather than null), so documents read the same from both.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public bool Json { get; } = json;

    /// <summary>The result for programs: one JSON document on stdout.</summary>
    public void Document(object document) => stdout.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(document, JsonOptions));

    /// <summary>A line for people, written as it is: never wrapped, whatever the width.</summary>
    public void Line(string text) => stdout.Profile.Out.Writer.WriteLine(text);

    /// <summary>Data as it is (an export): not a line, never wrapped.</summary>
    public void Raw(string text) => stdout.Profile.Out.Writer.Write(text);

    public void Write(IRenderable renderable) => stdout.Write(renderable);

    public void Error(string message) => stderr.MarkupLineInterpolated($"[red]{message}[/]");

    /// <summary>
    /// Runs long work with a progress display on stderr when someone watches it there; otherwise just runs it. The work
    /// reports what it has done (so many <paramref name="unit"/>) and, when known, the total.
    /// </summary>
    public Task<T> ProgressAsync<T>(string description, Func<Action<long, long?>, Task<T>> work) => ProgressAsync(description, "events", work);

    /// <inheritdoc cref="ProgressAsync{T}(string, Func{Action{long, long?}, Task{T}})"/>
    public async Task<T> ProgressAsync<T>(string description, string unit, Func<Action<long, long?>, Task<T>> work)
    {
        if (Json || !stderr.Profile.Capabilities.Interactive)
        {
            return await work((_, _) => { });
        }

        T result = default!;
        await stderr.Progress().AutoClear(true).StartAsync(async progress =>
        {
            var task = progress.AddTask(description);
            task.IsIndeterminate = true;
            result = await work((done, total) =>
            {
                task.Description = $"{description} ({done:N0} {unit})";
                if (total is > 0)
                {
                    task.IsIndeterminate = false;
                    task.MaxValue = total.Value;
                    task.Value = Math.Min(done, total.Value);
                }
            });
            task.StopTask();
        });
        return result;
    }
}
