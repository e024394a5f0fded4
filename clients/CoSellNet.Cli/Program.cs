Console.WriteLine("cosell");
