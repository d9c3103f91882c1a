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
