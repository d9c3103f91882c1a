namespace FfmpegApi.Media.Commands;

/// <summary>A piece of an ffmpeg command line. Steps are data; <see cref="FfmpegCommand"/> assembles them.</summary>
public interface ICommandStep;

/// <summary>Arguments placed before <c>-i</c> (they apply to the input, e.g. fast seeking).</summary>
public interface IInputOptionStep : ICommandStep
{
    IEnumerable<string> InputArguments { get; }
}

/// <summary>One filter in the video filter chain (<c>-vf a,b,c</c>).</summary>
public interface IVideoFilterStep : ICommandStep
{
    string Filter { get; }
}

/// <summary>Arguments placed after the input, before the output file.</summary>
public interface IOutputOptionStep : ICommandStep
{
    IEnumerable<string> OutputArguments { get; }
}

/// <summary>One filter in the audio filter chain (<c>-af a,b,c</c>).</summary>
public interface IAudioFilterStep : ICommandStep
{
    string Filter { get; }
}

/// <summary>
/// A video step that needs a second input (e.g. a watermark image). Its presence turns the video chain into a
/// <c>-filter_complex</c> graph; <see cref="Graph"/> writes its part between two pad labels.
/// </summary>
public interface IOverlayStep : ICommandStep
{
    /// <summary>The extra input file (a physical path; prefixed with <c>file:</c> like every input).</summary>
    string OverlayInput { get; }

    /// <summary>The graph fragment reading <paramref name="source"/> and input <paramref name="inputIndex"/>, writing <paramref name="target"/>.</summary>
    string Graph(string source, int inputIndex, string target);
}

/// <summary>A further input file (after the main one), e.g. the reference of a quality comparison.</summary>
public interface IExtraInputStep : ICommandStep
{
    string ExtraInput { get; }

    /// <summary>Options for this input (before its <c>-i</c>), e.g. a seek matching the main input's.</summary>
    IEnumerable<string> ExtraInputOptions => [];

    /// <summary>The demuxers this input may use; null: those of every media input (the machine's list).</summary>
    string? FormatWhitelist => null;

    /// <summary>True when the input is the worker's own pipe (<c>pipe:0</c>), never a file name.</summary>
    bool IsPipe => false;
}
