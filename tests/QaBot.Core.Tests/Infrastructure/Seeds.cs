namespace QaBot.Core.Tests.Infrastructure;

internal static class Seeds
{
    public const string NissanFile = "000_9ec63df35f7e173c";
    public const string HondaFile = "001_b07f44d90e4799da";
    public const string NissanTitle = "Nissan’s largest domestic factory drastically cuts production. Are Japanese cars at a crossroads";
    public const string HondaQuestion = "How much have Honda sales dropped?";
}
