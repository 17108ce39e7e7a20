using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using QaBot.Configuration;
using QaBot.State;

namespace QaBot.Feedback;

public static class FeedbackServiceCollectionExtensions
{
    /// <summary>
    /// The vote store (<see cref="SqliteFeedbackStore"/> at <c>QaBot:Feedback:Path</c>) and the memory of sent answers votes
    /// refer to (in Redis when state is shared, so any replica can join a vote to its answer). Nothing touches the file until the store or its options are first used, so commands that never read votes
    /// never open it; servers call <see cref="OpenFeedbackStoreAtStart"/>.
    /// </summary>
    public static IServiceCollection AddQaBotFeedback(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FeedbackOptions>().Bind(configuration.GetSection(FeedbackOptions.Section))
            .PostConfigure<IOptions<IndexOptions>>((o, index) =>
            {
                if (string.IsNullOrWhiteSpace(o.Path)) o.Path = FeedbackOptions.DefaultPath(index.Value.Path);
            });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FeedbackOptions>>(new SectionValidator<FeedbackOptions>(FeedbackOptions.Section)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FeedbackOptions>, FeedbackStoreCheck>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FeedbackOptions>>(
            new UnknownSettings.Validator<FeedbackOptions>(configuration, FeedbackOptions.Section)));
        services.TryAddSingleton<IFeedbackStore>(sp => SqliteFeedbackStore.Open(sp.GetRequiredService<IOptions<FeedbackOptions>>().Value));
        services.TryAddSingleton<InMemorySentAnswerStore>();
        services.TryAddSingleton<ISentAnswerStore>(sp => sp.Choose<ISentAnswerStore, InMemorySentAnswerStore, RedisSentAnswerStore>());
        services.TryAddSingleton<FeedbackRecorder>();
        return services;
    }

    /// <summary>For hosts that record votes: a feedback file that cannot be used stops start-up, naming the key and the path.</summary>
    public static IServiceCollection OpenFeedbackStoreAtStart(this IServiceCollection services)
    {
        services.AddOptions<FeedbackOptions>().ValidateOnStart();
        return services;
    }
}
